// The presented subject token of an exchange (contract §1.4 step 8): verified as a mandate of
// this issuer for the request's zone, of an accepted class (with a cache of verified tokens), and
// then bound to the live authority it was minted under. Verification failures are 401 `invalid subject_token`; an ended authority
// is 403. Everything is read from the store on every exchange: another process may have revoked.
import { AuthorityEndedError, bindAuthority } from '../authority/index.js'
import type { KeyRing } from '../keys/index.js'
import { MandateError, verifyMandateIdentity, type MandateUse, type VerifiedMandate } from '../mandate/index.js'
import type { ApplicationRow, Store } from '../store/index.js'
import { AuthorityInactiveError, SubjectTokenInvalidError } from './errors.js'

/** Subject tokens are at most this long unless configured otherwise (the form allows longer values for id_tokens). */
export const MAX_SUBJECT_TOKEN_BYTES = 4096
const ZONE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/**
 * The `zone_id` a token claims, read without trusting it: it only selects which zone's keys the
 * signature must verify under, as Caracal's Gateway does.
 */
export function claimedZone(token: string): string {
  const payload = token.split('.')[1]
  let zone: unknown
  try {
    zone = (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { zone_id?: unknown }).zone_id
  } catch {
    throw new SubjectTokenInvalidError('payload is not JSON')
  }
  if (typeof zone !== 'string' || !ZONE_ID.test(zone)) throw new SubjectTokenInvalidError('zone_id missing or malformed')
  return zone
}

export function verifySubjectToken(token: string, opts: { issuer: string; zoneId: string; uses: readonly MandateUse[]; keys: KeyRing; nowMs: number; maxTokenBytes?: number }): VerifiedMandate {
  try {
    // The use is checked below against the accepted classes; verify once with the first.
    const mandate = verifyMandateIdentity(
      token,
      { issuer: opts.issuer, audience: opts.issuer, zoneId: opts.zoneId, requiredUse: peekUse(token, opts.uses), maxTokenBytes: opts.maxTokenBytes ?? MAX_SUBJECT_TOKEN_BYTES },
      opts.keys,
      opts.nowMs,
    )
    // No leeway past exp for authority we are about to extend.
    if (mandate.expiresAt * 1000 <= opts.nowMs) throw new SubjectTokenInvalidError('subject token expired')
    return mandate
  } catch (error) {
    if (error instanceof SubjectTokenInvalidError) throw error
    if (error instanceof MandateError) throw new SubjectTokenInvalidError(`${error.wireCode}: ${error.message}`, { cause: error })
    throw error
  }
}

// The verifier takes one required use; pick the token's own when it is an accepted one, so a
// token of another class fails with the verifier's message naming it.
function peekUse(token: string, uses: readonly MandateUse[]): MandateUse {
  try {
    const use = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { use?: unknown }).use
    return uses.find((u) => u === use) ?? uses[0]!
  } catch {
    return uses[0]!
  }
}

/** The live authority check (src/authority), answered as the STS answers it: 403 access_denied. Returns when it ends by time. */
export function bindSubjectAuthority(mandate: VerifiedMandate, app: ApplicationRow, store: Store, nowMs: number): number {
  try {
    return bindAuthority(mandate, app.id, store, nowMs)
  } catch (error) {
    if (error instanceof AuthorityEndedError) throw new AuthorityInactiveError(error.detail)
    throw error
  }
}

const DEFAULT_CACHE_ENTRIES = 10_000

/**
 * Subject-token verification with a bounded cache of verified tokens, keyed by the exact token
 * string: an agent mandate is presented on every exchange it makes, and its signature check was
 * the largest single cost of one. A hit re-checks everything that can change — the class asked
 * for, the zone, expiry against the clock, and that the signing key is still one of the zone's
 * (a key past its rotation grace verifies nothing) — and the store checks (bindAuthority) run on
 * every exchange regardless. Only successes are cached.
 */
export class VerifiedSubjects {
  readonly #issuer: string
  readonly #keys: KeyRing
  readonly #max: number
  readonly #maxTokenBytes: number
  readonly #cache = new Map<string, { mandate: VerifiedMandate; kid: string }>()

  constructor(options: { issuer: string; keys: KeyRing; maxEntries?: number; maxTokenBytes?: number }) {
    this.#issuer = options.issuer
    this.#keys = options.keys
    this.#maxTokenBytes = options.maxTokenBytes ?? MAX_SUBJECT_TOKEN_BYTES
    this.#max = options.maxEntries ?? DEFAULT_CACHE_ENTRIES
  }

  /** `zoneId` when the zone is known (a client-secret caller's); else the token's claim selects it. */
  verify(token: string, opts: { zoneId?: string; uses: readonly MandateUse[]; nowMs: number }): VerifiedMandate {
    const hit = this.#cache.get(token)
    if (hit) {
      const m = hit.mandate
      if (opts.zoneId !== undefined && m.zoneId !== opts.zoneId) throw new SubjectTokenInvalidError('invalid_zone: zone_id is not the configured zone')
      if (!opts.uses.includes(m.use)) throw new SubjectTokenInvalidError(`invalid_token: use ${m.use} is not accepted here`)
      if (m.expiresAt * 1000 <= opts.nowMs) {
        this.#cache.delete(token)
        throw new SubjectTokenInvalidError('subject token expired')
      }
      if (this.#keys.verificationKey(m.zoneId, hit.kid, opts.nowMs)) return m
      this.#cache.delete(token)
    }
    const zoneId = opts.zoneId ?? claimedZone(token)
    const mandate = verifySubjectToken(token, { issuer: this.#issuer, zoneId, uses: opts.uses, keys: this.#keys, nowMs: opts.nowMs, maxTokenBytes: this.#maxTokenBytes })
    if (this.#cache.size >= this.#max) this.#cache.delete(this.#cache.keys().next().value!)
    this.#cache.set(token, { mandate, kid: kidOf(token) })
    return mandate
  }
}

/** The header's kid of a token that has just verified (so the header is well formed). */
function kidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as { kid: string }).kid
}
