// SHA-256 in hex, of a string (as UTF-8) or of bytes: content hashes of audit rows, policy
// versions and bundles, idempotency keys, token fingerprints. `crypto.hash` (Node 20.12 and
// later) digests in one call, in about half the time of a Hash object; older Nodes use one.
import * as crypto from 'node:crypto'

const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash

export function sha256Hex(data: string | Uint8Array): string {
  return oneShot ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex')
}
