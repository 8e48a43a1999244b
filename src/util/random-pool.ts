// Random bytes for identifiers made on every request (uuid7 ids, trace and span ids), taken from
// a pooled buffer refilled from the CSPRNG: one call per 2,560 bytes instead of one per id. On
// these machines a CSPRNG call costs ~5 µs whatever its size, and a tool call makes several ids.
// Not for secrets or keys: those take their bytes from the CSPRNG directly.
import { randomFillSync } from 'node:crypto'

const POOL = new Uint8Array(10 * 256)
let offset = POOL.length

export const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** `n` (at most 256) fresh random bytes: a view of the pool, valid until the next call. */
export function pooledRandom(n: number): Uint8Array {
  if (n > 256) throw new RangeError('at most 256 pooled random bytes at a time')
  if (offset + n > POOL.length) {
    randomFillSync(POOL)
    offset = 0
  }
  const view = POOL.subarray(offset, offset + n)
  offset += n
  return view
}

/** `n` random bytes as lowercase hex. */
export function randomHex(n: number): string {
  const bytes = pooledRandom(n)
  let hex = ''
  for (const b of bytes) hex += HEX_BYTE[b]!
  return hex
}
