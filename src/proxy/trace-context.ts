// W3C Trace Context for the calls the proxy forwards: a call continues the caller's trace (the
// `traceparent` it sent) or starts one, and gets a span of its own, which the upstream receives as
// its parent. An agent that propagates what it received links its calls back in to this one, so
// `audit explain` can draw the tree of one user request across hops. Correlation only: nothing
// here is signed, and nothing here authorizes anything.
import { randomHex } from '../util/random-pool.js'

export interface TraceContext {
  traceId: string
  /** The proxy's span for this call. */
  spanId: string
  /** The caller's span, when it sent a traceparent. */
  parentSpanId?: string
  flags: string
}

// version 00, then trace-id, parent-id and flags; all-zero ids are invalid (W3C §3.2.2).
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)

/** The caller's trace continued with a new span, or a new trace when the header is absent or invalid. */
export function traceFrom(header: unknown): TraceContext {
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null
  const spanId = nonZero(8, ZERO_SPAN)
  if (match && match[1] !== ZERO_TRACE && match[2] !== ZERO_SPAN) return { traceId: match[1]!, spanId, parentSpanId: match[2]!, flags: match[3]! }
  return { traceId: nonZero(16, ZERO_TRACE), spanId, flags: '01' }
}

/** Random ids of `bytes` bytes, never the all-zero one W3C reserves as invalid. */
function nonZero(bytes: number, zero: string): string {
  for (;;) {
    const id = randomHex(bytes)
    if (id !== zero) return id
  }
}

/** The traceparent an upstream receives: this trace, with the proxy's span as its parent. */
export function traceparentOf(t: TraceContext): string {
  return `00-${t.traceId}-${t.spanId}-${t.flags}`
}
