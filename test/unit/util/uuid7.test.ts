// UUIDv7 as RFC 9562 §5.7 lays it out: the millisecond timestamp in the first 48 bits, version 7,
// variant 10, and 74 random bits that do not repeat.
import { describe, expect, it } from 'vitest'
import { UUID_PATTERN, uuid7 } from '../../../src/util/uuid7.js'

describe('uuid7', () => {
  it('carries the timestamp, version 7 and the RFC variant', () => {
    const ms = 0x0190_a1b2_c3d4
    const id = uuid7(ms)
    expect(id).toMatch(UUID_PATTERN)
    expect(id.replace(/-/g, '').slice(0, 12)).toBe(ms.toString(16).padStart(12, '0'))
    expect(id[14]).toBe('7')
    expect(['8', '9', 'a', 'b']).toContain(id[19])
  })

  it('orders by time and does not repeat across pool refills', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => uuid7(1_700_000_000_000 + Math.floor(i / 1000)))
    expect(new Set(ids).size).toBe(ids.length)
    expect(uuid7(1_700_000_000_001) > uuid7(1_700_000_000_000)).toBe(true)
    // Every random nibble position takes more than one value.
    for (const position of [15, 16, 17, 20, 21, 35]) expect(new Set(ids.map((id) => id[position])).size).toBeGreaterThan(1)
  })
})
