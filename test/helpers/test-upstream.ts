// A real MCP server (the SDK's McpServer over Streamable HTTP on loopback) that records the
// headers (of a POST, with its method) and `_meta` of every request it receives, so tests can
// prove what the proxy sent upstream — above all that a client's token never arrives. Tools:
// echo, whoami (the authorization header it saw), slow (waits, sending progress, until
// cancelled), ask (asks the client's model by sampling, on the call's own stream) and admin_reset;
// the prompt greeting; the resources test://notes/public and test://notes/private, which a session
// may subscribe to (an update is sent, on the GET stream, when a test touches one).
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { CreateMessageResultSchema, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'

export interface TestUpstream {
  url: string
  /** Headers of every HTTP request received, in order. */
  headers: IncomingHttpHeaders[]
  /** The JSON-RPC method (if any) and headers of every POST received, in order. */
  posts: { method?: string; headers: IncomingHttpHeaders }[]
  /** `_meta` of every tools/call received. */
  metas: Record<string, unknown>[]
  /** Calls of `slow` that ended because they were cancelled. */
  cancelled: number
  /** Tools added later (then announced with list_changed). */
  addTool(name: string): void
  /** Answers to tools/list leave this much later than they are made (0: at once). */
  listDelayMs: number
  /** Tells every session subscribed to the resource that it was updated. */
  touch(uri: string): void
  openSessions(): number
  close(): Promise<void>
}

export async function startTestUpstream(): Promise<TestUpstream> {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>()
  const subscribed = new WeakMap<McpServer, Set<string>>()
  const extraTools: string[] = []
  const state: TestUpstream = {
    url: '',
    headers: [],
    posts: [],
    metas: [],
    cancelled: 0,
    listDelayMs: 0,
    addTool(name) {
      extraTools.push(name)
      for (const { server } of sessions.values()) {
        server.registerTool(name, { description: `added later: ${name}` }, async () => ({ content: [{ type: 'text', text: name }] }))
      }
    },
    touch(uri) {
      for (const { server } of sessions.values()) if (subscribed.get(server)?.has(uri)) void server.server.sendResourceUpdated({ uri }).catch(() => {})
    },
    openSessions: () => sessions.size,
    close: async () => {},
  }

  const build = () => {
    const server = new McpServer({ name: 'test-upstream', version: '1.0.0' })
    server.registerTool('echo', { description: 'Echo the text back', inputSchema: { text: z.string() } }, async ({ text }, extra) => {
      state.metas.push({ ...extra._meta })
      return { content: [{ type: 'text', text }] }
    })
    server.registerTool('whoami', { description: 'The authorization header this server saw' }, async (extra) => {
      state.metas.push({ ...extra._meta })
      return { content: [{ type: 'text', text: String(extra.requestInfo?.headers.authorization ?? '(none)') }] }
    })
    server.registerTool('slow', { description: 'Wait, reporting progress, until done or cancelled', inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
      const steps = 10
      for (let i = 1; i <= steps; i++) {
        await new Promise((resolve) => setTimeout(resolve, ms / steps))
        if (extra.signal.aborted) {
          state.cancelled++
          return { isError: true, content: [{ type: 'text', text: 'cancelled' }] }
        }
        if (extra._meta?.progressToken !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: extra._meta.progressToken, progress: i, total: steps } })
      }
      return { content: [{ type: 'text', text: 'done' }] }
    })
    server.registerTool('ask', { description: "Ask the client's model, and answer with what it said", inputSchema: { question: z.string() } }, async ({ question }, extra) => {
      const answer = await extra.sendRequest({ method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: question } }], maxTokens: 20 } }, CreateMessageResultSchema)
      const content = Array.isArray(answer.content) ? answer.content[0] : answer.content
      return { content: [{ type: 'text', text: `${question} → ${content?.type === 'text' ? content.text : '(no text)'}` }] }
    })
    server.registerPrompt('greeting', { description: 'Greet someone', argsSchema: { who: z.string() } }, ({ who }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hello, ${who}` } }] }))
    for (const name of ['public', 'private']) {
      server.registerResource(name, `test://notes/${name}`, { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, text: `the ${name} note` }] }))
    }
    const subscriptions = new Set<string>()
    subscribed.set(server, subscriptions)
    server.server.registerCapabilities({ resources: { subscribe: true } })
    server.server.setRequestHandler(SubscribeRequestSchema, async (request) => (subscriptions.add(request.params.uri), {}))
    server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => (subscriptions.delete(request.params.uri), {}))
    server.registerTool('admin_reset', { description: 'Reset everything' }, async () => ({ content: [{ type: 'text', text: 'reset' }] }))
    for (const name of extraTools) server.registerTool(name, { description: `added later: ${name}` }, async () => ({ content: [{ type: 'text', text: name }] }))
    return server
  }

  const http: Server = createServer(async (req, res) => {
    state.headers.push({ ...req.headers })
    const id = req.headers['mcp-session-id']
    let entry = typeof id === 'string' ? sessions.get(id) : undefined
    if (typeof id === 'string' && !entry) {
      res.writeHead(404).end()
      return
    }
    if (!entry) {
      const server = build()
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void sessions.set(sid, { transport, server }),
        onsessionclosed: (sid) => void sessions.delete(sid),
      })
      await server.connect(transport)
      entry = { transport, server }
    }
    if (req.method !== 'POST') return entry.transport.handleRequest(req, res)
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      res.writeHead(400).end()
      return
    }
    const method = (body as { method?: unknown } | null)?.method
    state.posts.push({ ...(typeof method === 'string' && { method }), headers: { ...req.headers } })
    if (method === 'tools/list' && state.listDelayMs > 0) delayWrites(res, state.listDelayMs)
    await entry.transport.handleRequest(req, res, body)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`
  state.close = async () => {
    for (const { server } of sessions.values()) await server.close().catch(() => {})
    await new Promise<void>((resolve) => {
      http.close(() => resolve())
      http.closeAllConnections()
    })
  }
  return state
}

/** What is written to the response leaves `ms` later, in order: the answer is made now and arrives late. */
function delayWrites(res: ServerResponse, ms: number): void {
  const write = res.write.bind(res) as (...args: unknown[]) => boolean
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
  res.write = ((...args: unknown[]) => {
    setTimeout(() => write(...args), ms)
    return true
  }) as typeof res.write
  res.end = ((...args: unknown[]) => {
    setTimeout(() => end(...args), ms)
    return res
  }) as typeof res.end
}
