// A real MCP server over the legacy HTTP+SSE transport (the SDK's McpServer and SSEServerTransport:
// GET /sse opens a session's event stream, POST /messages?sessionId=… carries its messages), on
// loopback, recording the method, id and headers of every POST, so tests can prove what the proxy
// sent on each. Tools: whoami (the authorization header of the POST that called it) and slow
// (waits until done or cancelled). A test may end every event stream (the server's sessions end
// with them) or have POSTs accepted and never answered.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js'
import { z } from 'zod'

export interface LegacySseUpstream {
  /** The URL of the event stream, as a config's `url` names it. */
  url: string
  posts: { method?: string; id?: string | number; headers: IncomingHttpHeaders }[]
  /** Calls of `slow` that ended because they were cancelled. */
  cancelled: number
  /** While true, a POST is read and then never answered. */
  holdPosts: boolean
  /** Ends every session's event stream, and so the session. */
  dropStreams(): Promise<void>
  close(): Promise<void>
}

export async function startLegacySseUpstream(): Promise<LegacySseUpstream> {
  const transports = new Map<string, SSEServerTransport>()
  const state: LegacySseUpstream = {
    url: '',
    posts: [],
    cancelled: 0,
    holdPosts: false,
    dropStreams: async () => {
      for (const transport of [...transports.values()]) await transport.close().catch(() => {})
    },
    close: async () => {},
  }
  const build = () => {
    const server = new McpServer({ name: 'legacy-sse-upstream', version: '1.0.0' })
    server.registerTool('whoami', { description: 'The authorization header this server saw' }, async (extra) => ({
      content: [{ type: 'text', text: String(extra.requestInfo?.headers.authorization ?? '(none)') }],
    }))
    server.registerTool('slow', { description: 'Wait until done or cancelled', inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
      for (let waited = 0; waited < ms; waited += 20) {
        if (extra.signal.aborted) {
          state.cancelled++
          return { isError: true, content: [{ type: 'text', text: 'cancelled' }] }
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return { content: [{ type: 'text', text: 'done' }] }
    })
    return server
  }
  const http = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res)
      transports.set(transport.sessionId, transport)
      res.on('close', () => transports.delete(transport.sessionId))
      await build().connect(transport)
      return
    }
    const transport = transports.get(url.searchParams.get('sessionId') ?? '')
    if (req.method !== 'POST' || url.pathname !== '/messages' || !transport) {
      res.writeHead(404).end()
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { method?: string; id?: string | number }
    state.posts.push({ ...(typeof body.method === 'string' && { method: body.method }), ...(body.id !== undefined && { id: body.id }), headers: { ...req.headers } })
    if (state.holdPosts) return
    await transport.handlePostMessage(req, res, body)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/sse`
  state.close = async () => {
    for (const transport of transports.values()) await transport.close().catch(() => {})
    http.closeAllConnections()
    await new Promise<void>((resolve) => http.close(() => resolve()))
  }
  return state
}
