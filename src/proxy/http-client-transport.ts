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
import { ErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { EventStreamParser } from './event-stream.js'
import { envelopeKind } from './json-rpc-envelope.js'

/** An upstream's answer body larger than this is refused (the SDK's stdio transport caps at 10 MB too). */
const MAX_BODY_BYTES = 10 * 1024 * 1024
/** Delay before the GET stream is opened again after it ended, and before a stream is resumed unless the server says otherwise. */
const GET_STREAM_RETRY_MS = 1000
/** A request's stream is resumed at most this often in a row with nothing new on it, each time after at most this delay. */
const MAX_RESUMPTIONS = 100
const MAX_RETRY_MS = 30_000
/** The GET stream is not opened again sooner than this, whatever delay the server asks for. */
const MIN_GET_RETRY_MS = 250
/**
 * A DELETE is a courtesy (an upstream ends an idle session by itself): closing waits this long for
 * it at most, however long the requests' timeout.
 */
const DELETE_TIMEOUT_MS = 2000
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

/**
 * Where an event stream is resumed from (the id of its last complete event), and how soon (the
 * server's `retry:`). Kept across resumptions: a resumed stream brings no priming event, so when
 * the server closes it again before anything new (SEP-1699 polling), it is resumed from where the
 * last one left off.
 */
interface StreamCursor {
  lastEventId: string | undefined
  retryMs: number | undefined
}

/** A request of ours whose answer comes on an event stream. */
interface AwaitedAnswer extends StreamCursor {
  readonly id: string | number
  /** Resumptions in a row with nothing new. */
  attempts: number
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
      // brings is not attributed, and nobody waits for its answer: its stream is not resumed, and
      // its answer not failed when that stream ends without it.
      call = this.#calls.get(cancelled)?.headers
      this.#calls.delete(cancelled)
      this.#awaiting.delete(cancelled)
    }
    // Awaited from now on: a cancellation sent before the answer begins takes it off again.
    const isRequest = 'method' in message && 'id' in message && message.id !== undefined
    if (isRequest) this.#awaiting.add(message.id)
    // A tool call is never sent twice (see #exchange).
    const resend = !('method' in message) || message.method !== 'tools/call'
    let response: IncomingMessage
    try {
      response = await this.#exchange('POST', { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(body) }, body, call, resend)
    } catch (error) {
      if ('method' in message && 'id' in message) this.#forgetRequest(message.id)
      throw error
    }
    const sessionId = response.headers['mcp-session-id']
    if (typeof sessionId === 'string' && sessionId !== '') this.sessionId = sessionId
    if (response.statusCode === 202) {
      response.resume()
      if (isRequest) this.#awaiting.delete(message.id)
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
    // A request cancelled while its answer was on the way has nobody waiting: its stream is read but not resumed.
    const awaited = isRequest && this.#awaiting.has(message.id)
    this.#consume(response, awaited ? { id: message.id, attempts: 0, lastEventId: undefined, retryMs: undefined } : undefined)
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
   * cancellation is sent for it, so nothing of it is kept.
   */
  #forgetRequest(id: string | number): void {
    this.#calls.delete(id)
    this.#awaiting.delete(id)
  }

  /**
   * A request of ours whose answer can no longer come (the server's answer was unreadable, or its
   * stream ended with nothing to resume from): it fails now with an error answer, rather than at
   * its timeout, and is forgotten. `what` says what went wrong, never what the call carried.
   */
  #fail(id: string | number, what: string): void {
    if (!this.#awaiting.delete(id)) return
    this.#calls.delete(id)
    const answer: JSONRPCMessage = { jsonrpc: '2.0', id, error: { code: ErrorCode.InternalError, message: `upstream ${what}` } }
    try {
      this.onmessage?.(answer)
    } catch (error) {
      this.onerror?.(error as Error)
    }
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

  /** Ends the upstream session (DELETE); the caller closes the transport after it. */
  async terminateSession(): Promise<void> {
    if (this.sessionId === undefined || this.#closed) return
    const timeoutMs = Math.min(DELETE_TIMEOUT_MS, this.#options.timeoutMs ?? DELETE_TIMEOUT_MS)
    const response = await this.#exchange('DELETE', {}, undefined, undefined, true, timeoutMs)
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

  /**
   * `resend`: whether the request may be sent once more when a kept-alive socket breaks under it.
   * `timeoutMs`: how long the answer's headers may take; GET streams wait as long as they must.
   */
  #exchange(
    method: string,
    headers: OutgoingHttpHeaders,
    body: string | undefined,
    call: Readonly<Record<string, string>> | undefined,
    resend = true,
    timeoutMs = method === 'GET' ? undefined : this.#options.timeoutMs,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.#request(this.#url, { method, agent: this.#agent, headers: this.#headers(headers, call) }, (response) => {
        this.#open.delete(req)
        resolve(response)
      })
      this.#open.add(req)
      if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new Error(`upstream gave no answer within ${timeoutMs} ms`)))
      req.once('error', (error: NodeJS.ErrnoException) => {
        this.#open.delete(req)
        // A kept-alive socket the server closed as we reused it: usually the request never reached
        // it (the server closed the idle socket just as we sent), so it is sent once more on a
        // fresh socket (Node's advice). But the same error comes when the server did receive it
        // and then the connection broke (a crash, a reset mid-call), which cannot be told apart
        // from here. A tool call may already have had its effects (a payment, a deletion): it is
        // never sent twice, it fails. What else we send reads, or does the same twice (initialize,
        // lists, reads, completions, notifications, responses).
        if (resend && req.reusedSocket && error.code === 'ECONNRESET' && !this.#closed) {
          this.#exchange(method, headers, body, call, false, timeoutMs).then(resolve, reject)
          return
        }
        reject(error)
      })
      req.end(body)
    })
  }

  /**
   * A JSON answer is delivered whole; an SSE one event by event as it arrives. A request whose
   * answer cannot be read from it fails at once (see #fail).
   */
  #consume(response: IncomingMessage, awaiting: AwaitedAnswer | undefined): void {
    const type = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (type === 'text/event-stream') return this.#readEvents(response, this.#options.timeoutMs, awaiting)
    if (type !== 'application/json') {
      response.resume()
      this.onerror?.(new Error(`unexpected content type ${type.slice(0, 100) || '(none)'}`))
      if (awaiting) this.#fail(awaiting.id, 'answered with neither JSON nor an event stream')
      return
    }
    readBody(response).then(
      (text) => {
        let parsed: unknown
        try {
          parsed = JSON.parse(text)
        } catch (error) {
          this.onerror?.(error as Error)
          if (awaiting) this.#fail(awaiting.id, 'answer is not JSON')
          return
        }
        for (const item of Array.isArray(parsed) ? parsed : [parsed]) this.#dispatch(() => item, awaiting?.id)
        // A JSON body is the whole answer: a request it did not answer is not answered at all.
        if (awaiting) this.#fail(awaiting.id, 'answer does not answer the request')
      },
      (error: Error) => {
        this.onerror?.(error)
        if (awaiting) this.#fail(awaiting.id, error.message === TOO_LARGE ? 'answer too large' : 'answer broke off')
      },
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

  /**
   * Server-sent events (see EventStreamParser), each event's message delivered as it arrives.
   *
   * `cursor`: where the stream is resumed from if it breaks. When it is a request's (an
   * AwaitedAnswer: a POST's stream) and the stream ends before the answer with events that had
   * ids, the server means to be polled (SEP-1699): the stream is resumed with a GET carrying
   * Last-Event-ID, after the delay the server asked for. With nothing to resume from, the answer
   * is not coming: the request fails.
   */
  #readEvents(response: IncomingMessage, silenceMs?: number, cursor?: StreamCursor | AwaitedAnswer): void {
    const awaiting = cursor !== undefined && 'id' in cursor ? cursor : undefined
    this.#open.add(response)
    if (silenceMs !== undefined) response.setTimeout(silenceMs, () => response.destroy())
    response.setEncoding('utf8')
    let size = 0
    const events = new EventStreamParser({
      event: (json, id) => {
        // The id counts once its event is complete: a stream cut mid-event is resumed before it.
        // One that cannot travel in a header cannot be resumed from at all (rather than retried forever).
        if (id !== undefined && cursor) cursor.lastEventId = HEADER_VALUE.test(id) ? id : undefined
        // An event with empty data carries no message (the SDK server's priming event: an id only).
        if (json === undefined || json === '') return
        // Something new came: a long call the server makes us poll is not cut off by the count.
        if (awaiting) awaiting.attempts = 0
        this.#dispatch(() => JSON.parse(json), awaiting?.id)
      },
      retry: (ms) => {
        if (cursor) cursor.retryMs = ms
      },
    })
    response.on('data', (chunk: string) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES * 10) {
        response.destroy(new Error('upstream event stream too large'))
        return
      }
      events.push(chunk)
    })
    response.once('close', () => {
      this.#open.delete(response)
      if (!awaiting || !this.#awaiting.has(awaiting.id) || this.#closed) return
      if (awaiting.lastEventId === undefined) return this.#fail(awaiting.id, 'event stream ended without the answer')
      if (awaiting.attempts >= MAX_RESUMPTIONS) return this.#fail(awaiting.id, 'event stream ended too often without the answer')
      awaiting.attempts++
      setTimeout(() => void this.#resume(silenceMs, awaiting), Math.min(awaiting.retryMs ?? GET_STREAM_RETRY_MS, MAX_RETRY_MS)).unref()
    })
    response.once('error', (error) => this.onerror?.(error))
  }

  async #resume(silenceMs: number | undefined, awaiting: AwaitedAnswer): Promise<void> {
    // Closed, or cancelled while the resumption waited.
    if (this.#closed || !this.#awaiting.has(awaiting.id)) return
    try {
      const response = await this.#exchange('GET', { accept: 'text/event-stream', 'last-event-id': awaiting.lastEventId }, undefined, this.#calls.get(awaiting.id)?.headers)
      if (response.statusCode !== 200) {
        response.resume()
        this.#fail(awaiting.id, `refused to resume the event stream (${response.statusCode})`)
        // A session the upstream no longer knows is gone for good, as on a POST.
        if (response.statusCode === 404 && this.sessionId !== undefined) void this.close()
        return
      }
      this.#readEvents(response, silenceMs, awaiting)
    } catch (error) {
      this.onerror?.(error as Error)
      this.#fail(awaiting.id, 'event stream could not be resumed')
    }
  }

  #dispatch(message: () => unknown, answering?: string | number): void {
    try {
      this.#deliver(message(), answering)
    } catch (error) {
      this.onerror?.(error as Error)
    }
  }

  /**
   * The stream of what the server says on its own (list changes, updates); reopened while the
   * connection lives, from its last event when the server gave ids (so nothing said in between is
   * lost, where the server keeps its events).
   */
  #startGetStream(): void {
    if (this.#getStream || this.#closed) return
    this.#getStream = true
    const cursor: StreamCursor = { lastEventId: undefined, retryMs: undefined }
    // Doubled at each failed attempt (up to MAX_RETRY_MS), back to the start once the stream is
    // open; after a stream that ended, the delay the server asked for, if it did.
    let delay = GET_STREAM_RETRY_MS
    const again = (asked?: number): void => {
      if (this.#closed) return
      setTimeout(() => void open(), Math.min(Math.max(asked ?? delay, MIN_GET_RETRY_MS), MAX_RETRY_MS)).unref()
      delay = Math.min(delay * 2, MAX_RETRY_MS)
    }
    const open = async (): Promise<void> => {
      if (this.#closed) return
      const from = cursor.lastEventId
      let response: IncomingMessage
      try {
        response = await this.#exchange('GET', { accept: 'text/event-stream', ...(from !== undefined && { 'last-event-id': from }) }, undefined, undefined)
      } catch {
        return again()
      }
      // 405: the server offers no such stream, which the spec allows.
      if (response.statusCode === 405) return void response.resume()
      if (response.statusCode !== 200) {
        response.resume()
        // A session the upstream no longer knows is gone for good: the connection is lost.
        if (response.statusCode === 404 && this.sessionId !== undefined) return void this.close()
        const status = response.statusCode ?? 0
        // A refusal that may pass (a 503 while the upstream restarts, a gateway's 502, a 429, a
        // 409 while the server still holds the stream that just broke): the stream is tried
        // again, ever less often, or list changes and updates would never be heard again.
        if (status >= 500 || status === 408 || status === 429 || status === 409) return again()
        // A server that cannot resume from that event (its event store forgot it, or it keeps
        // none and refuses the header): the stream is opened afresh, without what came between.
        if (from !== undefined) {
          cursor.lastEventId = undefined
          return void open()
        }
        // Any other (400, 401, 403, a 404 of a server with no such route) would be refused the
        // same way every time: the server offers no stream to this client.
        return
      }
      delay = GET_STREAM_RETRY_MS
      this.#readEvents(response, undefined, cursor)
      response.once('close', () => again(cursor.retryMs))
    }
    void open()
  }
}

const TOO_LARGE = 'upstream answer too large'
/** What Node sends as a header value (it refuses anything else before a request leaves). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    response.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        response.destroy(new Error(TOO_LARGE))
        return
      }
      chunks.push(chunk)
    })
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    response.once('error', reject)
  })
}
