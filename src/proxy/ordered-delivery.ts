// An upstream transport whose incoming messages are handed on one per microtask, in order. The
// SDK runs a notification's handler a microtask after receiving it but settles a response at
// once, dropping the request's progress handler; when a progress notification and the result
// arrive in one chunk (stdio reads them in one loop, so do SSE parsers), the last progress would
// find no handler left and be lost. Handing each message on only after the previous one's
// handlers were scheduled keeps "progress, then result" in that order. (The proxy's uses do not
// need it: DirectRequests handles their progress and result synchronously, as they arrive. It
// keeps the Client's own handling in order, and a close after the messages before it.)
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js'

export class OrderedDelivery implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void
  readonly inner: Transport
  #delivery: Promise<void> = Promise.resolve()

  constructor(inner: Transport) {
    this.inner = inner
    inner.onmessage = (message, extra) => {
      this.#delivery = this.#delivery.then(() => this.onmessage?.(message, extra))
    }
    inner.onerror = (error) => this.onerror?.(error)
    // A close is delivered after the messages before it.
    inner.onclose = () => void this.#delivery.then(() => this.onclose?.())
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId
  }

  start(): Promise<void> {
    return this.inner.start()
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.inner.send(message, options)
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version)
  }
}
