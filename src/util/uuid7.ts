// UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then random bits. Time-ordered ids for
// mandates (`jti`), signing keys (`kid`) and audit rows, as Caracal uses. Random bytes come from
// the pool of random-pool.ts: an exchange makes several ids, and the per-call cost of the CSPRNG
// dominated their making.
import { HEX_BYTE as HEX, pooledRandom } from './random-pool.js'

export function uuid7(nowMs: number = Date.now()): string {
  const r = pooledRandom(10)
  const ms = Math.floor(nowMs)
  const hi = Math.floor(ms / 2 ** 32)
  const lo = ms >>> 0
  return (
    HEX[(hi >>> 8) & 0xff]! + HEX[hi & 0xff]! + HEX[lo >>> 24]! + HEX[(lo >>> 16) & 0xff]! + '-' +
    HEX[(lo >>> 8) & 0xff]! + HEX[lo & 0xff]! + '-' +
    HEX[0x70 | (r[0]! & 0x0f)]! + HEX[r[1]!]! + '-' +
    HEX[0x80 | (r[2]! & 0x3f)]! + HEX[r[3]!]! + '-' +
    HEX[r[4]!]! + HEX[r[5]!]! + HEX[r[6]!]! + HEX[r[7]!]! + HEX[r[8]!]! + HEX[r[9]!]!
  )
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
