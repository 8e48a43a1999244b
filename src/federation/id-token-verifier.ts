// Verifies an OpenID Connect id_token from an issuer a zone trusts, so the STS can turn a user
// signed in elsewhere into a session mandate. Trust comes from the zone's configuration, never
// from the token: the unverified `iss` only picks which configured issuer to check against, and
// that issuer's own keys, algorithms and audience decide. A token that does not verify is the
// caller's problem (401); keys that cannot be fetched are not (503), and nothing is believed.
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose'
import { FederatedTokenInvalidError, FederationUnavailableError } from './errors.js'

/** JWS algorithms an issuer may be trusted with: asymmetric only, never `none` or HS*. */
export type FederationAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'EdDSA'

/** One issuer a zone trusts; the shape of an entry of `policy.zones.<zone>.federation`. */
export interface TrustedIssuer {
  /** Compared exactly with the id_token's `iss`. */
  issuer: string
  /** The issuer's JWK Set URL. */
  jwksUri: string
  /** The client id(s) the id_token must be issued to (one of them in `aud`). */
  audience: string | readonly string[]
  /** Defaults to RS256 and ES256. */
  algorithms?: readonly FederationAlgorithm[]
}

export interface IdTokenVerifierOptions {
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number
  /** Bound on one JWK Set fetch; 5000 ms by default. */
  fetchTimeoutMs?: number
  /** Leeway on `exp` and `nbf`; 60 s by default. */
  clockToleranceSeconds?: number
}

/** A user as the issuer asserted them, after verification. */
export interface FederatedIdentity {
  issuer: string
  /** The `sub` claim, byte for byte as signed. */
  subject: string
  /** Every verified claim, frozen. */
  claims: Readonly<Record<string, unknown>>
}

export const MAX_ID_TOKEN_BYTES = 16 * 1024
export const MAX_SUBJECT_BYTES = 512
export const DEFAULT_FEDERATION_ALGORITHMS: readonly FederationAlgorithm[] = Object.freeze(['RS256', 'ES256'])
export const DEFAULT_FETCH_TIMEOUT_MS = 5000
export const DEFAULT_FEDERATION_CLOCK_TOLERANCE_SECONDS = 60
/** A token naming an unknown `kid` refetches the JWK Set at most this often (key rotation). */
const JWKS_COOLDOWN_MS = 30_000
/** A fetched JWK Set is reused this long before it is fetched again. */
const JWKS_MAX_AGE_MS = 10 * 60_000

const ALLOWED_ALGORITHMS: ReadonlySet<string> = new Set<FederationAlgorithm>(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'])
const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat']

interface IssuerState {
  issuer: string
  audience: string[]
  algorithms: string[]
  keys: JWTVerifyGetKey
}

export class IdTokenVerifier {
  readonly #issuers = new Map<string, IssuerState>()
  readonly #now: () => number
  readonly #clockTolerance: number

  /** Throws TypeError on a configuration the verifier cannot use safely (a caller mistake). */
  constructor(trusted: readonly TrustedIssuer[], options: IdTokenVerifierOptions = {}) {
    this.#now = options.now ?? Date.now
    this.#clockTolerance = options.clockToleranceSeconds ?? DEFAULT_FEDERATION_CLOCK_TOLERANCE_SECONDS
    if (!Number.isFinite(this.#clockTolerance) || this.#clockTolerance < 0) throw new TypeError('clockToleranceSeconds must be a non-negative number')
    const timeoutDuration = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS
    if (!Number.isInteger(timeoutDuration) || timeoutDuration <= 0) throw new TypeError('fetchTimeoutMs must be a positive integer')
    for (const entry of trusted) {
      if (this.#issuers.has(entry.issuer)) throw new TypeError(`issuer ${entry.issuer} is trusted more than once`)
      const algorithms = [...(entry.algorithms ?? DEFAULT_FEDERATION_ALGORITHMS)]
      const refused = algorithms.filter((alg) => !ALLOWED_ALGORITHMS.has(alg))
      if (algorithms.length === 0 || refused.length > 0) throw new TypeError(`issuer ${entry.issuer}: algorithms must be a non-empty subset of ${[...ALLOWED_ALGORITHMS].join(', ')}`)
      const audience = typeof entry.audience === 'string' ? [entry.audience] : [...entry.audience]
      if (audience.length === 0 || audience.some((aud) => typeof aud !== 'string' || aud === '')) throw new TypeError(`issuer ${entry.issuer}: audience must be non-empty`)
      const remote = createRemoteJWKSet(new URL(entry.jwksUri), { timeoutDuration, cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: JWKS_MAX_AGE_MS })
      this.#issuers.set(entry.issuer, { issuer: entry.issuer, audience, algorithms, keys: unavailableOnFetchFailure(entry.issuer, remote) })
    }
  }

  /**
   * The identity an id_token asserts, once it verifies against the issuer it names among those
   * trusted. Throws FederatedTokenInvalidError or FederationUnavailableError, nothing else.
   */
  async verify(token: string): Promise<FederatedIdentity> {
    if (typeof token !== 'string' || token === '') throw new FederatedTokenInvalidError('token is empty')
    if (token.length > MAX_ID_TOKEN_BYTES || Buffer.byteLength(token, 'utf8') > MAX_ID_TOKEN_BYTES) throw new FederatedTokenInvalidError(`token exceeds ${MAX_ID_TOKEN_BYTES} bytes`)

    // Unverified: read only to choose which trusted issuer's keys and rules apply.
    let claimedIssuer: unknown
    try {
      decodeProtectedHeader(token)
      claimedIssuer = decodeJwt(token).iss
    } catch {
      throw new FederatedTokenInvalidError('token is not a well-formed JWT')
    }
    const state = typeof claimedIssuer === 'string' ? this.#issuers.get(claimedIssuer) : undefined
    if (state === undefined) throw new FederatedTokenInvalidError('issuer is not trusted for this zone')

    let payload: JWTPayload
    try {
      payload = await this.#verifyWith(state, token)
    } catch (error) {
      throw classify(error)
    }

    const subject = payload.sub as unknown
    if (typeof subject !== 'string' || subject === '') throw new FederatedTokenInvalidError('"sub" claim must be a non-empty string')
    if (/\p{Cs}/u.test(subject)) throw new FederatedTokenInvalidError('"sub" claim is not well-formed Unicode')
    if (Buffer.byteLength(subject, 'utf8') > MAX_SUBJECT_BYTES) throw new FederatedTokenInvalidError(`"sub" claim exceeds ${MAX_SUBJECT_BYTES} bytes`)
    return { issuer: state.issuer, subject, claims: deepFreeze({ ...payload }) }
  }

  async #verifyWith(state: IssuerState, token: string): Promise<JWTPayload> {
    const options: JWTVerifyOptions = {
      algorithms: state.algorithms,
      issuer: state.issuer,
      audience: state.audience,
      requiredClaims: REQUIRED_CLAIMS,
      clockTolerance: this.#clockTolerance,
      currentDate: new Date(this.#now()),
    }
    try {
      return (await jwtVerify(token, state.keys, options)).payload
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error
      // Several published keys fit the header (no `kid`): the token must verify with one of them.
      for await (const key of error) {
        try {
          return (await jwtVerify(token, key, options)).payload
        } catch (inner) {
          if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner
        }
      }
      throw new errors.JWSSignatureVerificationFailed()
    }
  }
}

/**
 * Wraps an issuer's remote JWK Set so that failing to obtain the keys (timeout, network, non-200,
 * not JSON, not a JWK Set) becomes FederationUnavailableError at the point of fetching, where it
 * cannot be confused with a bad token. Lookup failures (no or several matching keys, unsupported
 * alg) pass through and become invalid-token errors.
 */
function unavailableOnFetchFailure(issuer: string, remote: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await remote(header, token)
    } catch (error) {
      if (isFetchFailure(error)) throw new FederationUnavailableError(`JWK Set of ${issuer}: ${fetchFailureDetail(error)}`, { cause: error })
      throw error
    }
  }
}

function isFetchFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true
  // fetch() rejects with a TypeError on network failure; jose throws its base error for a
  // non-200 answer or a body that is not JSON.
  if (error instanceof TypeError) return true
  return error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC'
}

function fetchFailureDetail(error: unknown): string {
  if (error instanceof errors.JWKSTimeout) return 'fetch timed out'
  const cause = (error as { cause?: { code?: unknown } }).cause?.code
  const message = error instanceof Error ? error.message : String(error)
  return typeof cause === 'string' ? `${message} (${cause})` : message
}

/** Maps a verification failure to one of our two errors; jose's messages name claims, never values. */
function classify(error: unknown): FederatedTokenInvalidError | FederationUnavailableError {
  if (error instanceof FederationUnavailableError) return error
  if (error instanceof errors.JWTExpired) return new FederatedTokenInvalidError('token has expired')
  if (error instanceof errors.JWTClaimValidationFailed) return new FederatedTokenInvalidError(`claim check failed: ${error.message}`)
  if (error instanceof errors.JOSEAlgNotAllowed) return new FederatedTokenInvalidError('"alg" is not allowed for this issuer')
  if (error instanceof errors.JWSSignatureVerificationFailed) return new FederatedTokenInvalidError('signature verification failed')
  if (error instanceof errors.JWKSNoMatchingKey) return new FederatedTokenInvalidError('no key of the issuer matches the token header')
  if (error instanceof errors.JOSEError) return new FederatedTokenInvalidError(`token rejected (${error.code}): ${error.message}`)
  return new FederatedTokenInvalidError('token could not be verified', { cause: error })
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze)
    Object.freeze(value)
  }
  return value
}
