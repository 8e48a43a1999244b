// The uses the proxy forwards (tools/call and the like) sent to an upstream without the SDK
// Client's Protocol, on the same connection the Client keeps for everything else (initialize,
// lists, the server's own notifications and requests). The Protocol's way ran zod schemas on
// every incoming message (to tell a result from an error from a request) and on the result,
// besides its bookkeeping: in the proxy's CPU profile (bench/proxy, one client) a few per cent of
// its time, and 5 of its 97 KiB of garbage per call. The proxy passes a use's result on as the
// upstream gave it and needs none of that. What it keeps of the Protocol's behaviour: a
// request times out (reset by progress, up to a total), an abort or a timeout is told upstream as
// a cancellation (also past the total, which the Protocol does not tell), progress reaches the
// caller's handler before the result, an error answer is an McpError with the upstream's code,
// message and data, and a closed connection fails what waits.
//
// It sits between the Client and the transport: what answers one of its requests (by id) or
// reports progress on one (by token) it takes; everything else goes on to the Client. Its ids
// are strings and the SDK's numbers, so neither can take the other's answer.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { ErrorCode, McpError, type JSONRPCMessage, type Progress, type Result } from '@modelcontextprotocol/sdk/types.js'
import { UpstreamResultError } from './errors.js'
import { WrappedTransport } from './wrapped-transport.js'

/** What a request's result must be to be passed on. */
export interface ResultShape {
  accepts(value: unknown): value is Result
  /** Why a result it does not accept is refused. */
  refusal: string
}

export interface DirectRequestOptions {
  signal: AbortSignal
  /** Without an answer (or, with `onprogress`, a progress) this long, the request is cancelled. */
  timeoutMs: number
  /** With progress the request lives at most this long in all (by default ten times `timeoutMs`; 0: no limit). */
  maxTotalTimeoutMs?: number
  onprogress?: (progress: Progress) => void
  result: ResultShape
}

interface Pending {
  readonly id: string
  readonly options: DirectRequestOptions
  readonly startedAt: number
  timer: NodeJS.Timeout
  resolve(result: unknown): void
  reject(error: unknown): void
}

export class DirectRequests extends WrappedTransport {
  readonly #pending = new Map<string, Pending>()
  #nextId = 0

  constructor(inner: Transport) {
    super(inner)
    inner.onmessage = (message, extra) => {
      if (!this.#takes(message)) this.onmessage?.(message, extra)
    }
    inner.onclose = () => {
      for (const id of [...this.#pending.keys()]) this.#take(id)?.reject(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'))
      this.onclose?.()
    }
  }

  /**
   * Sends the request and resolves with its result as the upstream gave it. The message is handed
   * to the transport synchronously, in the caller's turn (the HTTP transport reads the call's
   * headers then).
   */
  request(method: string, params: Record<string, unknown>, options: DirectRequestOptions): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const { signal } = options
      if (signal.aborted) return reject(signal.reason)
      const id = `caracal-${++this.#nextId}`
      // As the SDK does: the request's id is its progress token.
      const sent = options.onprogress ? { ...params, _meta: { ...(params._meta as Record<string, unknown> | undefined), progressToken: id } } : params
      const onAbort = () => this.#cancel(id, signal.reason)
      const pending: Pending = {
        id,
        options,
        startedAt: Date.now(),
        timer: setTimeout(() => this.#timedOut(id), options.timeoutMs),
        resolve: (result) => {
          signal.removeEventListener('abort', onAbort)
          let accepted = false
          try {
            accepted = options.result.accepts(result)
          } catch {
            // A check that cannot decide refuses.
          }
          if (accepted) resolve(result as Result)
          else reject(new UpstreamResultError(options.result.refusal))
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      }
      this.#pending.set(id, pending)
      signal.addEventListener('abort', onAbort, { once: true })
      this.inner.send({ jsonrpc: '2.0', id, method, params: sent }).catch((error: unknown) => this.#take(id)?.reject(error))
    })
  }

  /** Whether the message answers or reports on a request of ours; if so, it is dealt with here. */
  #takes(message: JSONRPCMessage): boolean {
    if ('method' in message) {
      if (message.method !== 'notifications/progress') return false
      const token = (message.params as { progressToken?: unknown } | undefined)?.progressToken
      const pending = typeof token === 'string' ? this.#pending.get(token) : undefined
      if (!pending) return false
      this.#progress(pending, message.params as Record<string, unknown>)
      return true
    }
    const pending = typeof message.id === 'string' ? this.#take(message.id) : undefined
    if (!pending) return false
    if ('result' in message) pending.resolve(message.result)
    else pending.reject(McpError.fromError(message.error.code, message.error.message, message.error.data))
    return true
  }

  #progress(pending: Pending, params: Record<string, unknown>): void {
    // What the caller hears is a progress report and nothing else of the upstream's (as the SDK's
    // schema strips what it does not know); anything malformed is the upstream's error.
    const { progress, total, message } = params
    if (typeof progress !== 'number' || (total !== undefined && typeof total !== 'number') || (message !== undefined && typeof message !== 'string')) {
      this.onerror?.(new Error('upstream sent a malformed progress notification'))
      return
    }
    const { onprogress, timeoutMs, maxTotalTimeoutMs = timeoutMs * 10 } = pending.options
    if (!onprogress) return
    // Progress keeps the request alive, up to its total.
    const elapsed = Date.now() - pending.startedAt
    if (maxTotalTimeoutMs > 0 && elapsed >= maxTotalTimeoutMs) {
      this.#cancel(pending.id, McpError.fromError(ErrorCode.RequestTimeout, 'Maximum total timeout exceeded', { maxTotalTimeout: maxTotalTimeoutMs, totalElapsed: elapsed }))
      return
    }
    pending.timer.refresh()
    try {
      onprogress({ progress, ...(total !== undefined && { total }), ...(message !== undefined && { message }) } as Progress)
    } catch (error) {
      // Never into the delivery of the messages that follow.
      this.onerror?.(error as Error)
    }
  }

  #timedOut(id: string): void {
    const timeout = this.#pending.get(id)?.options.timeoutMs
    this.#cancel(id, McpError.fromError(ErrorCode.RequestTimeout, 'Request timed out', { timeout }))
  }

  /** Fails a request still waiting and tells the upstream it is cancelled. */
  #cancel(id: string, reason: unknown): void {
    const pending = this.#take(id)
    if (!pending) return
    // As the SDK's Protocol: whatever is not an McpError already is failed as a timeout.
    pending.reject(reason instanceof McpError ? reason : new McpError(ErrorCode.RequestTimeout, String(reason)))
    this.inner.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: String(reason) } }).catch((error: unknown) => {
      this.onerror?.(new Error(`Failed to send cancellation: ${(error as Error)?.message ?? error}`))
    })
  }

  /** A request still waiting, no longer: its timer stopped. */
  #take(id: string): Pending | undefined {
    const pending = this.#pending.get(id)
    if (!pending) return undefined
    this.#pending.delete(id)
    clearTimeout(pending.timer)
    return pending
  }
}
