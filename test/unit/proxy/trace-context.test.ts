// W3C Trace Context as the proxy continues it: the caller's trace with a new span, or a new trace
// when the header is missing or invalid; ids random, lowercase hex, never the reserved all-zero.
import { describe, expect, it } from 'vitest'
import { traceFrom, traceparentOf } from '../../../src/proxy/trace-context.js'
import { randomHex } from '../../../src/util/random-pool.js'

describe('traceFrom', () => {
  it("continues the caller's trace with a span of its own", () => {
    const t = traceFrom(' 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ')
    expect(t).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: expect.stringMatching(/^[0-9a-f]{16}$/), parentSpanId: '00f067aa0ba902b7', flags: '01' })
    expect(t.spanId).not.toBe('00f067aa0ba902b7')
    expect(traceparentOf(t)).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${t.spanId}-01`)
  })

  it('starts a new trace for a missing, malformed or all-zero header', () => {
    for (const header of [undefined, 42, 'garbage', '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`]) {
      const t = traceFrom(header)
      expect(t.traceId).toMatch(/^[0-9a-f]{32}$/)
      expect(t.traceId).not.toBe('0'.repeat(32))
      expect(t.parentSpanId).toBeUndefined()
      expect(t.flags).toBe('01')
    }
  })

  it('makes a different span for every call, across refills of the random pool', () => {
    const spans = Array.from({ length: 2_000 }, () => traceFrom(undefined).spanId)
    expect(new Set(spans).size).toBe(spans.length)
  })
})

describe('randomHex', () => {
  it('gives lowercase hex of the length asked, and refuses more than the pool serves at once', () => {
    expect(randomHex(3)).toMatch(/^[0-9a-f]{6}$/)
    expect(() => randomHex(257)).toThrow(RangeError)
  })
})
