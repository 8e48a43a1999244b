// Who is calling the Coordinator: the application whose bootstrap mandate is the bearer. The
// mandate must be a `use=session` mandate of this issuer (audience the issuer) for the path's
// zone, carrying `agent:lifecycle`, unexpired (no leeway: it is about to act), of an active
// application of the zone, and standing on a live authority record none of whose anchors is
// revoked. The zone comes from the path, never from the token: it selects the keys, so a
// mandate of another zone verifies under none of them.
import { ZONE_ID_PATTERN } from '../admin/index.js'
import { AuthorityEndedError, bindAuthority } from '../authority/index.js'
import type { VerificationKeys } from '../keys/index.js'
import { InsufficientScopeError, MandateError, extractBearer, verifyMandateIdentity, type VerifiedMandate } from '../mandate/index.js'
import { LIFECYCLE_SCOPE } from '../policy/index.js'
import type { Store } from '../store/index.js'
import { CoordinatorScopeError, CoordinatorUnauthorizedError } from './errors.js'

/** Bearers longer than this are refused before parsing, unless the config says otherwise (as the STS bounds subject tokens). */
export const MAX_BEARER_BYTES = 4096

export interface Caller {
  zoneId: string
  /** The mandate's `client_id`: the application every action is taken for. */
  applicationId: string
  /** The bootstrap mandate's `sid`. */
  authorityRecordId: string
}

export interface CallerCheck {
  issuer: string
  keys: VerificationKeys
  store: Store
  /** Config `server.maxTokenBytes`; MAX_BEARER_BYTES by default. */
  maxTokenBytes?: number
}

function refuse(detail: string, cause?: unknown): never {
  throw new CoordinatorUnauthorizedError(false, detail, cause === undefined ? undefined : { cause })
}

export function authenticateCaller(authorization: string | undefined, zoneId: string, deps: CallerCheck, nowMs: number): Caller {
  const token = extractBearer(authorization)
  if (!token) throw new CoordinatorUnauthorizedError(true)
  if (!ZONE_ID_PATTERN.test(zoneId)) refuse('the path names no zone')
  let mandate: VerifiedMandate
  try {
    mandate = verifyMandateIdentity(
      token,
      { issuer: deps.issuer, audience: deps.issuer, zoneId, requiredUse: 'session', requiredScopes: [LIFECYCLE_SCOPE], maxTokenBytes: deps.maxTokenBytes ?? MAX_BEARER_BYTES },
      deps.keys,
      nowMs,
    )
  } catch (error) {
    if (error instanceof InsufficientScopeError) throw new CoordinatorScopeError()
    if (error instanceof MandateError) return refuse(`${error.wireCode}: ${error.detail ?? error.message}`, error)
    throw error
  }
  if (mandate.expiresAt * 1000 <= nowMs) refuse('mandate expired')
  const app = deps.store.applications.get(mandate.clientId)
  if (!app || app.zoneId !== zoneId || app.status !== 'active') refuse('the mandate names an unknown or disabled application')
  try {
    bindAuthority(mandate, app!.id, deps.store, nowMs)
  } catch (error) {
    if (error instanceof AuthorityEndedError) refuse(error.detail, error)
    throw error
  }
  return { zoneId, applicationId: app.id, authorityRecordId: mandate.authorityRecordId }
}
