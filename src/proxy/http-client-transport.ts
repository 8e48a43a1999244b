// The proxy's client side of MCP Streamable HTTP, on node:http with a keep-alive agent instead of
// the SDK's fetch-based transport. Measured here (bench/proxy), fetch and its web streams were
// about a quarter of the proxy's own cost per call: request cloning, a body tee, a stream object
// graph per response and the garbage it leaves. This speaks the same protocol with plain Node
// streams: POST one message (JSON or SSE answer; 202 for notifications and responses), the GET
// stream for what the server says on its own, DELETE to end the session. Per-call headers (the
// resource mandate) come from the caller, read as send() starts; nothing of a downstream request does.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { envelopeKind } from './json-rpc-envelope.js'

/** An upstream's answer body larger than this is refused (the SDK's stdio transport caps at 10 MB too). */
const MAX_BODY_BYTES = 10 * 1024 * 1024
/** Delay before the GET stream is opened again after it ended, and before a stream is resumed unless the server says otherwise. */
const GET_STREAM_RETRY_MS = 1000
/** A request's stream is resumed at most this often, each after at most this delay. */
const MAX_RESUMPTIONS = 100
const MAX_RETRY_MS = 30_000
/** Server requests remembered for attribution (they are looked up at once; this only bounds what never is). */
const MAX_SERVER_REQUESTS = 256

/**
 * The call of a server request that came on the stream of a request of ours with no call (any
 * more): sent outside one, cancelled, or failed. It belongs to no call in flight, and to none
 * that merely happens to be alone on the connection.
 */
export const NO_CALL: object = Object.freeze({ call: 'none' })

/**
 * Idle sockets are closed after 4 s, before a Node server's default 5 s keep-alive timeout would
 * close them under a request that is just being sent on them.
 */
export function keepAliveAgent(https: boolean): HttpAgent {
  const options = { keepAlive: true, timeout: 4000 }
  return https ? new HttpsAgent(options) : new HttpAgent(options)
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'HttpStatusError'
  }
}

export interface HttpClientTransportOptions {
  /** Headers on every request (the config's, and a static credential). */
  headers?: Readonly<Record<string, string>>
  /** Headers of the current call, read when `send` starts (synchronously, in the caller's turn). */
  callHeaders?: () => Readonly<Record<string, string>> | undefined
  /** The caller's own token for the current call, read likewise: see `callOfServerRequest`. */
  callOf?: () => object | undefined
  /** Keep-alive sockets shared by every connection to the same upstream; by default one of its own. */
  agent?: HttpAgent
  /** A POST with no answer headers after this long, or whose event stream stays silent this long, is abandoned. */
  timeoutMs?: number
}

export class HttpClientTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage) => void
  sessionId?: string
  readonly #url: URL
  readonly #options: HttpClientTransportOptions
  readonly #agent: HttpAgent
  readonly #request: typeof httpRequest
  readonly #open = new Set<{ destroy(): void }>()
  #protocolVersion: string | undefined
  #closed = false
  #getStream = false
  readonly #ownAgent: boolean
  /** Requests whose answer has not arrived yet (a POST stream that ends before it is resumed). */
  readonly #awaiting = new Set<string | number>()
  /**
   * Of requests awaiting their answer, what their call gave them: its headers (so a cancellation
   * carries them too) and its token (so what the server asks on their stream is attributed to it).
   */
  readonly #calls = new Map<string | number, { headers?: Readonly<Record<string, string>>; owner?: object }>()
  /** Requests the server sent on the stream of one of ours, by their id: whose call they belong to. */
  readonly #serverRequests = new Map<string | number, object>()

  constructor(url: URL, options: HttpClientTransportOptions = {}) {
    this.#url = url
    this.#options = options
    const https = url.protocol === 'https:'
    this.#ownAgent = options.agent === undefined
    this.#agent = options.agent ?? keepAliveAgent(https)
    this.#request = https ? (httpsRequest as unknown as typeof httpRequest) : httpRequest
  }

  async start(): Promise<void> {}

  setProtocolVersion(version: string): void {
    this.#protocolVersion = version
  }

  /** Resolves once the upstream accepted the message; what it answers arrives through onmessage. */
  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) throw new Error('transport closed')
    const body = JSON.stringify(message)
    let call = this.#options.callHeaders?.()
    const owner = this.#options.callOf?.()
    if ((call || owner) && 'method' in message && 'id' in message) this.#calls.set(message.id, { ...(call && { headers: call }), ...(owner && { owner }) })
    const cancelled = 'method' in message && message.method === 'notifications/cancelled' ? (message.params as { requestId?: string | number } | undefined)?.requestId : undefined
    if (cancelled !== undefined) {
      // A cancellation (the SDK Client's or DirectRequests') is sent from wherever the abort
      // happened: it carries the headers of the request it cancels, never those of whatever call
      // is being sent at that moment. That request has no call any more: what its stream still
      // brings is not attributed.
      call = this.#calls.get(cancelled)?.headers
      this.#calls.delete(cancelled)
    }
    let response: IncomingMessage
    try {
      response = await this.#exchange('POST', { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(body) }, body, call)
    } catch (error) {
      if ('method' in message && 'id' in message) this.#forgetRequest(message.id)
      throw error
    }
    const sessionId = response.headers['mcp-session-id']
    if (typeof sessionId === 'string' && sessionId !== '') this.sessionId = sessionId
    if (response.statusCode === 202) {
      response.resume()
      if ('method' in message && message.method === 'notifications/initialized') this.#startGetStream()
      return
    }
    if (response.statusCode !== 200) {
      if ('method' in message && 'id' in message) this.#forgetRequest(message.id)
      const text = await readBody(response).catch(() => '')
      const error = new HttpStatusError(response.statusCode ?? 0, `upstream answered ${response.statusCode}: ${text.slice(0, 200)}`)
      // A session the upstream no longer knows is gone for good: the connection is lost.
      if (response.statusCode === 404 && this.sessionId !== undefined) queueMicrotask(() => void this.close())
      throw error
    }
    const isRequest = 'method' in message && 'id' in message && message.id !== undefined
    if (isRequest) this.#awaiting.add(message.id)
    this.#consume(response, isRequest ? { id: message.id, attempts: 0 } : undefined)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const r of this.#open) r.destroy()
    this.#open.clear()
    this.#calls.clear()
    this.#awaiting.clear()
    if (this.#ownAgent) this.#agent.destroy()
    this.onclose?.()
  }

  /**
   * A request of ours the server never took (an error instead of an answer stream): no
   * cancellation is sent for it, so nothing of it is kept. (A request whose stream merely ended
   * keeps its headers and call until the cancellation at its timeout.)
   */
  #forgetRequest(id: string | number): void {
    this.#calls.delete(id)
    this.#awaiting.delete(id)
  }

  /**
   * Whose call a request from the server belongs to: MCP sends what concerns one request on that
   * request's own event stream, so a request that came on the stream of one of ours belongs to the
   * call that sent it (`NO_CALL` when that request had none). Asked once per server request;
   * undefined when it came on no stream of ours (the GET stream).
   */
  callOfServerRequest(id: string | number): object | undefined {
    const call = this.#serverRequests.get(id)
    this.#serverRequests.delete(id)
    return call
  }

  /** Ends the upstream session (DELETE), then closes. */
  async terminateSession(): Promise<void> {
    if (this.sessionId === undefined || this.#closed) return
    const response = await this.#exchange('DELETE', {}, undefined, undefined)
    response.resume()
  }

  #headers(extra: OutgoingHttpHeaders, call: Readonly<Record<string, string>> | undefined): OutgoingHttpHeaders {
    return {
      ...this.#options.headers,
      ...extra,
      ...(this.sessionId !== undefined && { 'mcp-session-id': this.sessionId }),
      ...(this.#protocolVersion !== undefined && { 'mcp-protocol-version': this.#protocolVersion }),
      ...call,
    }
  }

  #exchange(method: string, headers: OutgoingHttpHeaders, body: string | undefined, call: Readonly<Record<string, string>> | undefined, retried = false): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.#request(this.#url, { method, agent: this.#agent, headers: this.#headers(headers, call) }, (response) => {
        this.#open.delete(req)
        resolve(response)
      })
      this.#open.add(req)
      if (this.#options.timeoutMs !== undefined && method !== 'GET') req.setTimeout(this.#options.timeoutMs, () => req.destroy(new Error(`upstream gave no answer within ${this.#options.timeoutMs} ms`)))
      req.once('error', (error: NodeJS.ErrnoException) => {
        this.#open.delete(req)
        // A kept-alive socket the server closed as we reused it: the request never reached it
        // (nothing came back), so it is sent once more on a fresh socket (Node's advice).
        if (!retried && req.reusedSocket && error.code === 'ECONNRESET' && !this.#closed) {
          this.#exchange(method, headers, body, call, true).then(resolve, reject)
          return
        }
        reject(error)
      })
      req.end(body)
    })
  }

  /** A JSON answer is delivered whole; an SSE one event by event as it arrives. */
  #consume(response: IncomingMessage, awaiting: { id: string | number; attempts: number } | undefined): void {
    const type = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (type === 'text/event-stream') return this.#readEvents(response, this.#options.timeoutMs, awaiting)
    readBody(response).then(
      (text) => {
        if (type !== 'application/json') throw new Error(`unexpected content type ${type || '(none)'}`)
        const parsed = JSON.parse(text) as unknown
        for (const item of Array.isArray(parsed) ? parsed : [parsed]) this.#dispatch(() => item, awaiting?.id)
      },
      (error: Error) => this.onerror?.(error),
    ).catch((error: Error) => this.onerror?.(error))
  }

  /** `answering`: the request of ours on whose stream the message came. */
  #deliver(item: unknown, answering?: string | number): void {
    const kind = envelopeKind(item)
    if (kind === undefined) {
      this.onerror?.(new Error('upstream sent a message that is not JSON-RPC'))
      return
    }
    const message = item as JSONRPCMessage & { id?: string | number }
    if ((kind === 'result' || kind === 'error') && message.id !== undefined) {
      this.#calls.delete(message.id)
      this.#awaiting.delete(message.id)
    } else if (kind === 'request' && answering !== undefined) {
      // Kept until looked up, even past our request's answer (which may overtake the handling of
      // what came before it); a server request nobody looks up (a ping) ages out.
      this.#serverRequests.set(message.id!, this.#calls.get(answering)?.owner ?? NO_CALL)
      if (this.#serverRequests.size > MAX_SERVER_REQUESTS) this.#serverRequests.delete(this.#serverRequests.keys().next().value!)
    }
    this.onmessage?.(message)
  }

  /** Server-sent events: `data:` lines joined by newlines, dispatched at a blank line; other fields ignored. */
  /**
   * `awaiting`: the request a POST's stream answers. When that stream ends before the answer and
   * the server gave its events ids, the server means to be polled (SEP-1699): the stream is
   * resumed with a GET carrying Last-Event-ID, after the delay the server asked for.
   */
  #readEvents(response: IncomingMessage, silenceMs?: number, awaiting?: { id: string | number; attempts: number }): void {
    this.#open.add(response)
    let lastEventId: string | undefined
    let retryMs: number | undefined
    if (silenceMs !== undefined) response.setTimeout(silenceMs, () => response.destroy())
    response.setEncoding('utf8')
    let buffer = ''
    let data: string[] = []
    let size = 0
    response.on('data', (chunk: string) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES * 10) {
        response.destroy(new Error('upstream event stream too large'))
        return
      }
      buffer += chunk
      let newline: number
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '')
        buffer = buffer.slice(newline + 1)
        if (line === '') {
          if (data.length > 0) {
            const text = data.join('\n')
            this.#dispatch(() => JSON.parse(text), awaiting?.id)
          }
          data = []
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line[5] === ' ' ? 6 : 5))
        } else if (line.startsWith('id:')) {
          lastEventId = line.slice(line[3] === ' ' ? 4 : 3)
        } else if (line.startsWith('retry:')) {
          const ms = Number(line.slice(6).trim())
          if (Number.isSafeInteger(ms) && ms >= 0) retryMs = ms
        }
      }
    })
    response.once('close', () => {
      this.#open.delete(response)
      if (!awaiting || !this.#awaiting.has(awaiting.id) || this.#closed) return
      // Without event ids the stream cannot be resumed: the answer is not coming (the request's timeout ends the wait).
      if (lastEventId === undefined || awaiting.attempts >= MAX_RESUMPTIONS) return void this.#awaiting.delete(awaiting.id)
      const again = { id: awaiting.id, attempts: awaiting.attempts + 1 }
      const eventId = lastEventId
      setTimeout(() => void this.#resume(eventId, silenceMs, again), Math.min(retryMs ?? GET_STREAM_RETRY_MS, MAX_RETRY_MS)).unref()
    })
    response.once('error', (error) => this.onerror?.(error))
  }

  async #resume(lastEventId: string, silenceMs: number | undefined, awaiting: { id: string | number; attempts: number }): Promise<void> {
    if (this.#closed) return
    try {
      const response = await this.#exchange('GET', { accept: 'text/event-stream', 'last-event-id': lastEventId }, undefined, this.#calls.get(awaiting.id)?.headers)
      if (response.statusCode !== 200) {
        response.resume()
        this.#awaiting.delete(awaiting.id)
        return
      }
      this.#readEvents(response, silenceMs, awaiting)
    } catch (error) {
      this.#awaiting.delete(awaiting.id)
      this.onerror?.(error as Error)
    }
  }

  #dispatch(message: () => unknown, answering?: string | number): void {
    try {
      this.#deliver(message(), answering)
    } catch (error) {
      this.onerror?.(error as Error)
    }
  }

  /** The stream of what the server says on its own (list changes, updates); reopened while the connection lives. */
  #startGetStream(): void {
    if (this.#getStream || this.#closed) return
    this.#getStream = true
    const open = async (): Promise<void> => {
      if (this.#closed) return
      let response: IncomingMessage
      try {
        response = await this.#exchange('GET', { accept: 'text/event-stream' }, undefined, undefined)
      } catch (error) {
        if (!this.#closed) setTimeout(() => void open(), GET_STREAM_RETRY_MS).unref()
        return
      }
      // 405: the server offers no such stream, which the spec allows.
      if (response.statusCode === 405) return void response.resume()
      if (response.statusCode !== 200) {
        response.resume()
        if (response.statusCode === 404 && this.sessionId !== undefined) void this.close()
        return
      }
      this.#readEvents(response)
      response.once('close', () => {
        if (!this.#closed) setTimeout(() => void open(), GET_STREAM_RETRY_MS).unref()
      })
    }
    void open()
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    response.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        response.destroy(new Error('upstream answer too large'))
        return
      }
      chunks.push(chunk)
    })
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    response.once('error', reject)
  })
}
