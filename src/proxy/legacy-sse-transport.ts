// The SDK's legacy HTTP+SSE client transport, with the headers of the call each message belongs
// to (the resource mandate in `mandate` mode). Its send() awaits before it POSTs, so the variable
// the proxy sets around a request (upstream.ts) is gone by the time the POST is made, and
// concurrent calls under different mandates interleave there. The call's headers are therefore
// read when send() starts, in the caller's turn, and handed to the POST of that very message,
// found by its body: the SDK posts JSON.stringify of the message it was given, which is what is
// queued here. (Not an AsyncLocalStorage: on Node 20 its first use turns on promise hooks for
// the whole process, and every promise of every request would pay for them from then on.)
//
// Two things the SDK's transport leaves undone are done here. The server's session of this
// transport is its event stream: when that breaks, the session is gone, and what the SDK's
// EventSource would reconnect to is a new session nobody initialized. So a broken stream closes
// the connection (it is lost, and the pool opens a new one). And a POST gets no longer than the
// connection's timeout for its answer, as on Streamable HTTP: an upstream that accepts requests
// and never answers must not pile up open sockets.
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js'
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js'
import { isJSONRPCErrorResponse, isJSONRPCResultResponse, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { fetchPerRequest } from '../http/index.js'
import { childSignal } from '../util/child-signal.js'
import { WrappedTransport } from './wrapped-transport.js'

type CallHeaders = Readonly<Record<string, string>>

export interface LegacySseOptions {
  /** Headers on every request (the config's, and a static credential). */
  headers: Readonly<Record<string, string>>
  /** Read at each send: the headers of that message alone (the call's resource mandate). */
  callHeaders: () => CallHeaders | undefined
  /** A POST with no answer after this long is abandoned. */
  timeoutMs?: number
}

export class LegacySseTransport extends WrappedTransport {
  readonly #callHeaders: () => CallHeaders | undefined
  /** Messages whose POST has not been made yet, by body: the headers each is to carry, in order. */
  readonly #posting: Map<string, CallHeaders[]>
  /** Requests of ours awaiting their answer, with their call's headers: a cancellation carries them too. */
  readonly #awaiting = new Map<string | number, CallHeaders>()
  #started = false
  #closed = false

  constructor(url: URL, options: LegacySseOptions) {
    const posting = new Map<string, CallHeaders[]>()
    const { timeoutMs } = options
    super(
      new SSEClientTransport(url, {
        requestInit: { headers: options.headers },
        fetch: (u, init) => {
          const headers = takeFirst(posting, init?.body)
          return init?.method === 'POST' && timeoutMs !== undefined ? postWithin(timeoutMs, u, init, headers) : fetchPerRequest(u, init, headers)
        },
      }),
    )
    this.#posting = posting
    this.#callHeaders = options.callHeaders
    this.inner.onmessage = (message, extra) => {
      if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id !== undefined) this.#awaiting.delete(message.id)
      this.onmessage?.(message, extra)
    }
    this.inner.onerror = (error) => {
      this.onerror?.(error)
      if (this.#started && error instanceof SseError) void this.close()
    }
    this.inner.onclose = () => {
      this.#awaiting.clear()
      if (this.#closed) return
      this.#closed = true
      this.onclose?.()
    }
  }

  override async start(): Promise<void> {
    await this.inner.start()
    this.#started = true
  }

  override async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const request = 'method' in message && 'id' in message ? message.id : undefined
    let headers = this.#callHeaders()
    if (request !== undefined && headers) this.#awaiting.set(request, headers)
    // A cancellation is sent from wherever the abort happened: it carries the headers of the
    // request it cancels, never those of a call being sent at that moment.
    if ('method' in message && message.method === 'notifications/cancelled') {
      const cancelled = (message.params as { requestId?: string | number } | undefined)?.requestId
      headers = cancelled === undefined ? undefined : this.#awaiting.get(cancelled)
      if (cancelled !== undefined) this.#awaiting.delete(cancelled)
    }
    if (!headers) return this.inner.send(message, options)
    const body = JSON.stringify(message)
    const queued = this.#posting.get(body) ?? []
    queued.push(headers)
    this.#posting.set(body, queued)
    try {
      await this.inner.send(message, options)
    } catch (error) {
      // Never taken by the server: no answer will come, and no cancellation needs its headers.
      if (request !== undefined) this.#awaiting.delete(request)
      throw error
    } finally {
      // A send that failed before its POST leaves its entry: it must not go with another message.
      const index = queued.indexOf(headers)
      if (index >= 0) queued.splice(index, 1)
      if (queued.length === 0 && this.#posting.get(body) === queued) this.#posting.delete(body)
    }
  }

  override async close(): Promise<void> {
    this.#awaiting.clear()
    if (this.#closed) return
    await this.inner.close()
  }
}

/** A POST whose answer (its status and headers) must come within `timeoutMs`, or it is aborted. */
async function postWithin(timeoutMs: number, url: string | URL, init: RequestInit, headers: CallHeaders | undefined): Promise<Response> {
  const { controller, release } = childSignal(init.signal ?? undefined)
  const timer = setTimeout(() => controller.abort(new Error(`upstream gave no answer within ${timeoutMs} ms`)), timeoutMs)
  try {
    return await fetchPerRequest(url, { ...init, signal: controller.signal }, headers)
  } finally {
    clearTimeout(timer)
    release()
  }
}

/** The headers of the first message waiting to be posted with this body, taken off its queue. */
function takeFirst(posting: Map<string, CallHeaders[]>, body: unknown): CallHeaders | undefined {
  if (typeof body !== 'string') return undefined
  const queued = posting.get(body)
  const headers = queued?.shift()
  if (queued?.length === 0) posting.delete(body)
  return headers
}
