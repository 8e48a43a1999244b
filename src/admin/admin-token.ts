// The admin API's one credential check: the bearer token against the configured admin token.
// Both sides are hashed with SHA-256 before timingSafeEqual, so the comparison takes the same
// time whatever the presented token's length or how much of it is right.
import { createHash, timingSafeEqual } from 'node:crypto'
import { ADMIN_TOKEN_MIN_LENGTH } from '../config/index.js'
import { AdminUnauthorizedError } from './errors.js'

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest()

/** Checks an Authorization header; throws AdminUnauthorizedError unless it carries the token. */
export type AdminTokenCheck = (authorization: string | undefined) => void

export function createAdminTokenCheck(token: string): AdminTokenCheck {
  // A mistake of our own setup, caught when the router is built rather than on the first call.
  if (typeof token !== 'string' || token.length < ADMIN_TOKEN_MIN_LENGTH) throw new TypeError(`the admin token must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters`)
  const expected = sha256(token)
  return function checkAdminToken(authorization) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '')
    if (!match) throw new AdminUnauthorizedError(true)
    if (!timingSafeEqual(sha256(match[1]!), expected)) throw new AdminUnauthorizedError(false)
  }
}
