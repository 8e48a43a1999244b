// UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then random bits. Time-ordered ids for
// mandates (`jti`), signing keys (`kid`) and audit rows, as Caracal uses. Random bytes come from
// a pooled buffer refilled from the CSPRNG (one call per 256 ids instead of one per id): an
// exchange makes several ids, and the per-call cost of the CSPRNG dominated their making.
import { randomFillSync } from 'node:crypto'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const POOL = new Uint8Array(10 * 256)
let offset = POOL.length

export function uuid7(nowMs: number = Date.now()): string {
  if (offset + 10 > POOL.length) {
    randomFillSync(POOL)
    offset = 0
  }
  const r = POOL
  const o = offset
  offset += 10
  const ms = Math.floor(nowMs)
  const hi = Math.floor(ms / 2 ** 32)
  const lo = ms >>> 0
  return (
    HEX[(hi >>> 8) & 0xff]! + HEX[hi & 0xff]! + HEX[lo >>> 24]! + HEX[(lo >>> 16) & 0xff]! + '-' +
    HEX[(lo >>> 8) & 0xff]! + HEX[lo & 0xff]! + '-' +
    HEX[0x70 | (r[o]! & 0x0f)]! + HEX[r[o + 1]!]! + '-' +
    HEX[0x80 | (r[o + 2]! & 0x3f)]! + HEX[r[o + 3]!]! + '-' +
    HEX[r[o + 4]!]! + HEX[r[o + 5]!]! + HEX[r[o + 6]!]! + HEX[r[o + 7]!]! + HEX[r[o + 8]!]! + HEX[r[o + 9]!]!
  )
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
