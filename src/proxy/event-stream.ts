// Server-sent events as the SSE spec reads them, fed chunk by chunk as they arrive: `data:` lines
// joined by newlines, an event dispatched at a blank line with the id it carried; lines end in
// CRLF, LF or a lone CR (the spec allows all three, and a CRLF may be split across chunks); a
// `retry:` that is a whole number of milliseconds is passed on; other fields and comments ignored.

export interface EventSink {
  /** A complete event: its data (undefined when it had no data line) and its id, if it had one. */
  event(data: string | undefined, id: string | undefined): void
  retry(ms: number): void
}

export class EventStreamParser {
  readonly #sink: EventSink
  /** An incomplete line (never holding a line end). */
  #buffer = ''
  /** The last chunk ended in CR: an LF opening the next one belongs to it. */
  #afterCr = false
  readonly #data: string[] = []
  #eventId: string | undefined

  constructor(sink: EventSink) {
    this.#sink = sink
  }

  push(chunk: string): void {
    if (this.#afterCr) {
      this.#afterCr = false
      if (chunk.charCodeAt(0) === 10) chunk = chunk.slice(1)
    }
    // What was left holds no line end: only the new chunk is searched.
    const from = this.#buffer.length
    const buffer = (this.#buffer += chunk)
    let start = 0
    let lf = buffer.indexOf('\n', from)
    let cr = buffer.indexOf('\r', from)
    while (lf >= 0 || cr >= 0) {
      const end = cr < 0 || (lf >= 0 && lf < cr) ? lf : cr
      const text = buffer.slice(start, end)
      start = end + 1
      if (end === cr) {
        if (start === buffer.length) this.#afterCr = true
        else if (buffer.charCodeAt(start) === 10) start++
        cr = buffer.indexOf('\r', start)
      }
      if (lf >= 0 && lf < start) lf = buffer.indexOf('\n', start)
      this.#line(text)
    }
    if (start > 0) this.#buffer = buffer.slice(start)
  }

  #line(text: string): void {
    if (text === '') {
      const id = this.#eventId
      this.#eventId = undefined
      const data = this.#data.length === 0 ? undefined : this.#data.length === 1 ? this.#data[0]! : this.#data.join('\n')
      this.#data.length = 0
      this.#sink.event(data, id)
    } else if (text.startsWith('data:')) {
      this.#data.push(text.slice(text[5] === ' ' ? 6 : 5))
    } else if (text.startsWith('id:')) {
      this.#eventId = text.slice(text[3] === ' ' ? 4 : 3)
    } else if (text.startsWith('retry:')) {
      const ms = Number(text.slice(6).trim())
      if (Number.isSafeInteger(ms) && ms >= 0) this.#sink.retry(ms)
    }
  }
}
