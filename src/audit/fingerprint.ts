// How a token appears in logs and audit: the first 8 bytes of its SHA-256, in hex. Enough to
// correlate the uses of one token, useless to replay it.
import { sha256Hex } from '../util/sha256.js'

export function tokenFingerprint(token: string): string {
  return sha256Hex(token).slice(0, 16)
}
