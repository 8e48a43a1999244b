// Plain HTTP requests to an MCP endpoint, for what an SDK client hides: statuses, challenge
// headers, session ids presented by the wrong principal.
export const ACCEPT = 'application/json, text/event-stream'

export interface RawAnswer {
  status: number
  headers: Headers
  text: string
}

export async function rawMcp(url: string, options: { method?: string; body?: unknown; token?: string; session?: string; headers?: Record<string, string> } = {}): Promise<RawAnswer> {
  const headers: Record<string, string> = {
    accept: ACCEPT,
    ...(options.body !== undefined && { 'content-type': 'application/json' }),
    ...(options.token && { authorization: `Bearer ${options.token}` }),
    ...(options.session && { 'mcp-session-id': options.session }),
    ...options.headers,
  }
  const response = await fetch(url, { method: options.method ?? 'POST', headers, ...(options.body !== undefined && { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }) })
  return { status: response.status, headers: response.headers, text: await response.text() }
}

export const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } } }

/** Opens a session with raw HTTP and returns its id. */
export async function rawSession(url: string, token: string): Promise<string> {
  const answer = await rawMcp(url, { body: INITIALIZE, token })
  const id = answer.headers.get('mcp-session-id')
  if (answer.status !== 200 || !id) throw new Error(`initialize failed: ${answer.status} ${answer.text}`)
  await rawMcp(url, { body: { jsonrpc: '2.0', method: 'notifications/initialized' }, token, session: id })
  return id
}
