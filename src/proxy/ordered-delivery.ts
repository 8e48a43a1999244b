// An upstream transport whose incoming messages are handed on one per microtask, in order. The
// SDK runs a notification's handler a microtask after receiving it but settles a response at
// once, dropping the request's progress handler; when a progress notification and the result
// arrive in one chunk (stdio reads them in one loop, so do SSE parsers), the last progress would
// find no handler left and be lost. Handing each message on only after the previous one's
// handlers were scheduled keeps "progress, then result" in that order. (The proxy's uses do not
// need it: DirectRequests handles their progress and result synchronously, as they arrive. It
// keeps the Client's own handling in order, and a close after the messages before it.)
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { WrappedTransport } from './wrapped-transport.js'

export class OrderedDelivery extends WrappedTransport {
  #delivery: Promise<void> = Promise.resolve()

  constructor(inner: Transport) {
    super(inner)
    inner.onmessage = (message, extra) => {
      this.#delivery = this.#delivery.then(() => this.onmessage?.(message, extra))
    }
    // A close is delivered after the messages before it.
    inner.onclose = () => void this.#delivery.then(() => this.onclose?.())
  }
}
