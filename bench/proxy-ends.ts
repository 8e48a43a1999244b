// The two fixed ends of the proxy bench, both in-process on loopback: an SDK McpServer upstream
// over Streamable HTTP (stateful sessions, SSE responses, one `echo` tool) and the floor a
// forwarding proxy costs — a bare node:http reverse proxy piping bodies both ways over a
// keep-alive Agent, with no parsing, authentication or audit.
import { randomUUID } from 'node:crypto'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { z } from 'zod'
import { keepAliveAgent } from '../src/proxy/http-client-transport.js'

export interface Hop {
  /** The MCP endpoint URL. */
  url: string
  close(): Promise<void>
}

async function listenOnLoopback(server: Server, path: string): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

export async function startEchoUpstream(): Promise<Hop & { openSessions(): number }> {
  return serveMcpSessions(() => {
    const server = new McpServer({ name: 'bench-upstream', version: '1.0.0' })
    server.registerTool('echo', { description: 'Echo the text back', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }))
    return server
  })
}

/** An MCP endpoint on loopback: a new server from `build` per session (stateful, SSE responses); unknown session ids 404. */
export async function serveMcpSessions(build: () => McpServer): Promise<Hop & { openSessions(): number }> {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>()
  const http = createServer(async (req, res) => {
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
    await entry.transport.handleRequest(req, res)
  })
  const url = await listenOnLoopback(http, '/mcp')
  return {
    url,
    openSessions: () => sessions.size,
    async close() {
      for (const { server } of sessions.values()) await server.close().catch(() => {})
      await closeServer(http)
    },
  }
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are the connection's own, never forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'host'])

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value
  return out
}

/** Every request to its port goes to `upstreamUrl` as it came (method, headers incl. mcp-session-id, body), and back. */
export async function startBareForwarder(upstreamUrl: string): Promise<Hop> {
  const target = new URL(upstreamUrl)
  // The proxy's own keep-alive settings: an idle socket is closed before the upstream's 5 s
  // keep-alive timeout could close it under a request (a 502 here, between the bench's phases).
  const agent = keepAliveAgent(false)
  const http = createServer((req, res) => {
    const upstream = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: req.method, headers: { ...endToEnd(req.headers), host: target.host }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers))
        answer.pipe(res)
      },
    )
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()))
    // A client that goes away (an SSE stream it closes) ends the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  })
  const url = await listenOnLoopback(http, '/mcp')
  return {
    url,
    async close() {
      await closeServer(http)
      agent.destroy()
    },
  }
}
