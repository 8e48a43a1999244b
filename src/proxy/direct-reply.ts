// The answer to a tools/call written by the proxy itself, without the SDK's server transport: the
// front door has already parsed and decided the request, and the transport's conversion of every
// request to a web Request/Response and back was a large part of the proxy's cost per call
// (bench/proxy). It answers as the transport would: JSON when nothing needs to precede the
// result; otherwise an event stream, opened lazily for the first notification or request, which
// carries progress, log messages and requests to the client (sampling, elicitation) before the
// result. The client's answers to those requests come back as separate POSTs, routed here by id.
import type { ServerResponse } from 'node:http'
import { ErrorCode, McpError, type JSONRPCMessage, type Result } from '@modelcontextprotocol/sdk/types.js'
import type { z } from 'zod'

/** How long a request to the client may wait for its answer, as the SDK's default. */
const CLIENT_REQUEST_TIMEOUT_MS = 60_000
let nextId = 0

export interface PendingClientRequest {
  resolve(message: Record<string, unknown>): void
}

export class DirectReply {
  readonly #res: ServerResponse
  readonly #rpcId: string | number
  readonly #sessionId: string
  readonly #pending: Map<string, PendingClientRequest>
  #stream = false
  #done = false

  /** `pending` is the session's table of requests awaiting the client's answer. */
  constructor(res: ServerResponse, rpcId: string | number, sessionId: string, pending: Map<string, PendingClientRequest>) {
    this.#res = res
    this.#rpcId = rpcId
    this.#sessionId = sessionId
    this.#pending = pending
  }

  async notify(notification: { method: string; params?: unknown }): Promise<void> {
    if (this.#done) return
    this.#event({ jsonrpc: '2.0', ...notification } as JSONRPCMessage)
  }

  /** A request to the client on this call's stream; resolves with its validated result. */
  async request<S extends z.ZodType<Result>>(request: { method: string; params?: unknown }, schema: S, options: { signal?: AbortSignal } = {}): Promise<z.infer<S>> {
    if (this.#done) throw new McpError(ErrorCode.ConnectionClosed, 'the call has already been answered')
    // Ids of ours are strings, the SDK's numbers: an answer can never be taken for the other's.
    const id = `caracal-${++nextId}`
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new McpError(ErrorCode.RequestTimeout, `the client did not answer ${request.method}`))
      }, CLIENT_REQUEST_TIMEOUT_MS)
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer)
        this.#pending.delete(id)
        reject(new McpError(ErrorCode.ConnectionClosed, 'Request was cancelled'))
      }, { once: true })
      this.#pending.set(id, {
        resolve: (message) => {
          clearTimeout(timer)
          this.#pending.delete(id)
          resolve(message)
        },
      })
    })
    this.#event({ jsonrpc: '2.0', id, ...request } as JSONRPCMessage)
    const message = await answer
    if ('error' in message) {
      const error = message.error as { code?: number; message?: string; data?: unknown }
      throw new McpError(error.code ?? ErrorCode.InternalError, error.message ?? 'the client refused the request', error.data)
    }
    return schema.parse(message.result)
  }

  result(result: Result): void {
    this.#finish({ jsonrpc: '2.0', id: this.#rpcId, result })
  }

  /** An error as the SDK's Protocol reports a handler's: its code if it has one, its message, its data. */
  error(error: unknown): void {
    const e = error as { code?: unknown; message?: string; data?: unknown }
    this.#finish({
      jsonrpc: '2.0',
      id: this.#rpcId,
      error: { code: Number.isSafeInteger(e?.code) ? (e.code as number) : ErrorCode.InternalError, message: e?.message ?? 'Internal error', ...(e?.data !== undefined && { data: e.data }) },
    } as JSONRPCMessage)
  }

  /** The client cancelled: no answer is due (MCP cancellation), the HTTP exchange just ends. */
  abandon(): void {
    if (this.#done) return
    this.#done = true
    if (this.#stream) this.#res.end()
    else this.#res.writeHead(202, { 'mcp-session-id': this.#sessionId }).end()
  }

  #finish(message: JSONRPCMessage): void {
    if (this.#done) return
    if (this.#stream) {
      this.#event(message)
      this.#done = true
      this.#res.end()
      return
    }
    this.#done = true
    const body = JSON.stringify(message)
    this.#res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'mcp-session-id': this.#sessionId }).end(body)
  }

  #event(message: JSONRPCMessage): void {
    if (!this.#stream) {
      this.#stream = true
      this.#res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'mcp-session-id': this.#sessionId })
    }
    this.#res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`)
  }
}
