// What `npm start` shows once the proxy is up: a short governed session against the example
// upstream, made the way any MCP client makes it — an agent mandate from the token endpoint, an
// SDK client on /mcp — so a newcomer sees an allowed call, a call denied by tool_rules (answered
// as if the tool did not exist), and a call held for an operator. It acts as its own application,
// `demo-walkthrough`, whose secret lives only in memory (created, or rotated if it exists) and is
// never printed; its session is terminated at the end. It runs only where the repository's demo
// config is loaded: zone `demo`, a protected server `files`, and policy naming the application.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { createApplication, rotateApplicationSecret } from '../admin/index.js'
import { fetchPerRequest } from '../http/index.js'
import type { RunningServer, Runtime } from '../runtime.js'
import { TOKEN_EXCHANGE_GRANT, TOKEN_PATH } from '../sts/index.js'

const ZONE = 'demo'
const SERVER = 'files'
/** The application the walkthrough acts as (its secret is rotated on every run). */
export const WALKTHROUGH_APPLICATION = 'demo-walkthrough'
const APP = WALKTHROUGH_APPLICATION
const BY = { requestId: 'walkthrough', actor: 'caracal-mcp start' }

const CALLS: { label: string; name: string; args: Record<string, unknown> }[] = [
  { label: 'list the demo files (group read)', name: 'files__list_files', args: {} },
  { label: 'read a file under /srv/demo/', name: 'files__read_file', args: { path: '/srv/demo/notes/plan.md' } },
  { label: 'read a file outside /srv/demo/ (tool_rules deny)', name: 'files__read_file', args: { path: '/srv/secrets/token.txt' } },
  { label: 'write a file (group write: held for an operator)', name: 'files__write_file', args: { path: '/srv/demo/hello.txt', content: 'hello' } },
]

export function walkthroughApplies(runtime: Runtime): boolean {
  const data = runtime.policy.version(ZONE)?.data as { app_ids?: Record<string, string> } | undefined
  return runtime.loaded.config.protection[SERVER]?.zone === ZONE && data?.app_ids?.[APP] === APP
}

export async function walkthrough(runtime: Runtime, running: RunningServer, out: (line: string) => void): Promise<void> {
  const { client, end } = await walkthroughClient(runtime, running, ZONE, APP, 'npm start walkthrough')
  try {
    out(`caracal-mcp: walkthrough — an MCP client with an agent mandate of ${APP} on ${running.url}/mcp:`)
    out(`  tools/list: ${(await client.listTools()).tools.map((t) => t.name).join(', ')}`)
    for (const call of CALLS) out(`  ${call.label}: ${await describeCall(client, call.name, call.args)}`)
  } finally {
    await end()
  }
}

/**
 * An SDK client on /mcp with an agent mandate of `app` for a new task session, as any MCP client
 * gets one (the token endpoint). The application is created, or its secret rotated, for this: the
 * secret lives only in memory and is never printed. `requestId`, when given, is read for every
 * HTTP request and sent as X-Request-Id. `end` closes the client and terminates the session.
 */
export async function walkthroughClient(runtime: Runtime, running: RunningServer, zone: string, app: string, name: string, requestId?: () => string): Promise<{ client: Client; end(): Promise<void> }> {
  const secret = runtime.store.applications.get(app)
    ? await rotateApplicationSecret(runtime, zone, app, BY)
    : (await createApplication(runtime, { zoneId: zone, name, id: app }, BY)).clientSecret
  const session = await runtime.sessions.start({ zoneId: zone, applicationId: app, lifecycle: 'task', ttlSeconds: 600, requestId: BY.requestId, startedBy: BY.actor })
  const client = new Client({ name: 'caracal-mcp walkthrough', version: '1.0.0' })
  const end = async () => {
    await client.close().catch(() => {})
    await runtime.sessions.terminate(zone, session.id, 'walkthrough finished', BY.requestId).catch(() => {})
  }
  try {
    const response = await fetch(`${running.url}${TOKEN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, zone_id: zone, application_id: app, client_secret: secret, agent_session_id: session.id }),
    })
    const { access_token: token } = (await response.json()) as { access_token?: string }
    if (!token) throw new Error(`the token endpoint answered ${response.status}`)
    const withRequestId = (url: string | URL, init?: RequestInit) => fetchPerRequest(url, init, requestId && { 'x-request-id': requestId() })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } }, fetch: withRequestId }))
  } catch (error) {
    await end()
    throw error
  }
  return { client, end }
}

export async function describeCall(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  try {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult
    const text = result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join(' ').replace(/\s+/g, ' ').trim()
    return result.isError ? `tool error: ${text}` : `ok: ${text}`
  } catch (error) {
    // The SDK repeats the code in the message ("MCP error -32602: MCP error -32602: …"): show it once.
    const message = ((error as Error).message ?? String(error)).replace(/^(MCP error -?\d+: )+/, '')
    return `error${error instanceof McpError ? ` ${error.code}` : ''}: ${message}`
  }
}
