// How a token appears in logs and audit: the first 8 bytes of its SHA-256, in hex. Enough to
// correlate the uses of one token, useless to replay it.
import { createHash } from 'node:crypto'

export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16)
}
