// Mandate verification in the exact order of Caracal's verifier (contract §3.2, then §3.3), with
// its codes and statuses, so a client sees the same answer from us as from Caracal. Trust comes
// from the options (issuer, audience, zone), never from the token: the zone selects the key set
// before anything in the token is believed.
import type { VerificationKeys } from '../keys/index.js'
import {
  REQUIRED_CLAIMS,
  delegationChain,
  nonNegativeInteger,
  optionalString,
  parseScope,
  requiredString,
  stringArray,
  type MandateUse,
  type SubjectType,
  type VerifiedMandate,
} from './claims.js'
import {
  ChainMismatchError,
  DelegationRequiredError,
  DelegationStaleError,
  HopCountExceededError,
  InsufficientScopeError,
  MandateError,
  MissingTokenError,
  SessionRequiredError,
  SessionRevokedError,
  TokenInvalidError,
  ZoneInvalidError,
} from './errors.js'
import { parseCompactEs256, verifySignature } from './jws.js'
import type { RevocationStore } from './revocation.js'

export interface VerifyOptions {
  issuer: string
  /** Must be one of the token's `aud` values. */
  audience: string
  /** The trust anchor: selects the key set and must equal the `zone_id` claim. */
  zoneId: string
  /** Defaults to `resource`. */
  requiredUse?: MandateUse
  requiredScopes?: readonly string[]
  requiredTargets?: readonly string[]
  requireSession?: boolean
  requireDelegation?: boolean
  requireChainContains?: readonly string[]
  /** Upper bound of `hop_count`; unset or ≤ 0 means 10. */
  maxHopCount?: number
  /** Time-claim leeway; Caracal's is 60 s. */
  clockToleranceSeconds?: number
  /** Tokens longer than this are refused before parsing. */
  maxTokenBytes?: number
}

export const DEFAULT_MAX_HOP_COUNT = 10
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60
export const DEFAULT_MAX_TOKEN_BYTES = 4096
const USES = new Set(['session', 'gateway', 'resource'])
const SUBJECT_TYPES = new Set(['user', 'application'])

/** Signature and claims (contract §3.2). Throws a MandateError; never consults revocation. */
export function verifyMandateIdentity(token: string, options: VerifyOptions, keys: VerificationKeys, nowMs: number): VerifiedMandate {
  if (!options.zoneId) throw new ZoneInvalidError('no zone configured')
  const maxBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES
  if (token.length > maxBytes) throw new TokenInvalidError(`token longer than ${maxBytes} bytes`)

  let jws
  try {
    jws = parseCompactEs256(token)
  } catch (error) {
    throw new TokenInvalidError((error as Error).message, { cause: error })
  }
  const key = keys.verificationKey(options.zoneId, jws.header.kid, nowMs)
  if (!key) throw new TokenInvalidError('kid is not a key of the configured zone')
  if (!verifySignature(jws, key)) throw new TokenInvalidError('signature does not verify')

  const c = jws.payload
  for (const claim of REQUIRED_CLAIMS) if (!(claim in c)) throw new TokenInvalidError(`missing required claim ${claim}`)
  if (c.iss !== options.issuer) throw new TokenInvalidError('unexpected iss')
  const aud = typeof c.aud === 'string' ? [c.aud] : c.aud
  if (!Array.isArray(aud) || !aud.includes(options.audience)) throw new TokenInvalidError('unexpected aud')
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS
  const now = Math.floor(nowMs / 1000)
  if (typeof c.exp !== 'number' || !Number.isFinite(c.exp)) throw new TokenInvalidError('exp is not a number')
  if (c.exp <= now - tolerance) throw new TokenInvalidError('token expired')
  if (typeof c.iat !== 'number' || !Number.isFinite(c.iat)) throw new TokenInvalidError('iat is not a number')
  if ('nbf' in c && (typeof c.nbf !== 'number' || c.nbf > now + tolerance)) throw new TokenInvalidError('token not yet valid')

  const jti = requiredString(c, 'jti')
  const sub = requiredString(c, 'sub')
  const clientId = requiredString(c, 'client_id')
  const sid = requiredString(c, 'sid')
  const rootSid = requiredString(c, 'root_sid')
  const use = requiredString(c, 'use')
  if (!USES.has(use)) throw new TokenInvalidError(`use ${use} is not a mandate class`)
  const subType = requiredString(c, 'sub_type')
  if (!SUBJECT_TYPES.has(subType)) throw new TokenInvalidError('sub_type is neither user nor application')
  const issuedAt = nonNegativeInteger(c, 'iat')!
  const expiresAt = nonNegativeInteger(c, 'exp')!
  if (c.scope !== undefined && c.scope !== null && typeof c.scope !== 'string') throw new TokenInvalidError('claim scope is not a string')
  const scope = parseScope((c.scope as string | null | undefined) ?? undefined)
  const targetResources = stringArray(c, 'target')
  if (typeof c.zone_id !== 'string' || c.zone_id === '' || c.zone_id !== options.zoneId) throw new ZoneInvalidError('zone_id is not the configured zone')

  if (use !== (options.requiredUse ?? 'resource')) throw new TokenInvalidError(`use ${use} where ${options.requiredUse ?? 'resource'} is required`)
  const missingScope = options.requiredScopes?.find((s) => s === '' || !scope.includes(s))
  if (missingScope !== undefined) throw new InsufficientScopeError(missingScope)
  if (options.requiredTargets?.some((t) => !targetResources.includes(t))) throw new TokenInvalidError('a required target is missing')

  const sessionId = optionalString(c, 'agent_session_id')
  const delegationId = optionalString(c, 'delegation_edge_id')
  const sourceSessionId = optionalString(c, 'source_session_id')
  const targetSessionId = optionalString(c, 'target_session_id')
  const delegationPath = stringArray(c, 'delegation_path')
  const chain = delegationChain(c)
  const graphEpoch = nonNegativeInteger(c, 'delegation_graph_epoch')
  const hopCount = nonNegativeInteger(c, 'hop_count') ?? 0

  checkRequirements({ sessionId, delegationId, hopCount, delegationChain: chain }, options)

  return {
    sub,
    zoneId: options.zoneId,
    clientId,
    authorityRecordId: sid,
    rootAuthorityRecordId: rootSid,
    use: use as MandateUse,
    subType: subType as SubjectType,
    jti,
    issuedAt,
    expiresAt,
    scope,
    targetResources,
    ...(sessionId && { sessionId }),
    ...(delegationId && { delegationId }),
    ...(sourceSessionId && { sourceSessionId }),
    ...(targetSessionId && { targetSessionId }),
    delegationPath,
    delegationChain: chain,
    ...(graphEpoch !== undefined && { graphEpoch }),
    hopCount,
    claims: Object.freeze(c),
  }
}

/**
 * The session, delegation, hop and chain requirements (contract §3.2, last steps), on a mandate's
 * claims already read: the verifier runs them, and the proxy runs them on an agent mandate before
 * it asks for anything to be minted under it. Throws the verifier's error for the first failing.
 */
export function checkRequirements(
  m: Pick<VerifiedMandate, 'sessionId' | 'delegationId' | 'hopCount' | 'delegationChain'>,
  options: Pick<VerifyOptions, 'requireSession' | 'requireDelegation' | 'maxHopCount' | 'requireChainContains'>,
): void {
  if (options.requireSession && !m.sessionId) throw new SessionRequiredError()
  if (options.requireDelegation && !m.delegationId) throw new DelegationRequiredError()
  const maxHops = options.maxHopCount && options.maxHopCount > 0 ? options.maxHopCount : DEFAULT_MAX_HOP_COUNT
  if (m.hopCount > maxHops) throw new HopCountExceededError(m.hopCount, maxHops)
  const missingApp = options.requireChainContains?.find((app) => !m.delegationChain.some((hop) => hop.applicationId === app))
  if (missingApp !== undefined) throw new ChainMismatchError(missingApp)
}

/**
 * The revocation anchors mandates stand under (contract §3.3 step 4): `sid`, `root_sid`, the
 * agent session and the delegation edge, each once, empty ones left out.
 */
export function anchorsOf(...mandates: VerifiedMandate[]): string[] {
  const anchors = new Set<string>()
  for (const m of mandates) {
    for (const a of [m.authorityRecordId, m.rootAuthorityRecordId, m.sessionId, m.delegationId]) if (typeof a === 'string' && a !== '') anchors.add(a)
  }
  return [...anchors]
}

/** Throws SessionRevokedError naming the first revoked anchor, or TokenInvalidError when the store fails (revoked, all the same). */
export async function checkAnchors(anchors: readonly string[], store: RevocationStore): Promise<void> {
  let revoked: readonly (boolean | Promise<boolean>)[]
  try {
    revoked = anchors.map((a) => store.isRevoked(a))
    // A store that answers at once (the proxy's, fed from the bus) is not made to wait a turn per anchor.
    if (!revoked.every((r) => typeof r === 'boolean')) revoked = await Promise.all(revoked)
  } catch (error) {
    throw new TokenInvalidError('revocation lookup failed', { cause: error })
  }
  const index = revoked.findIndex((r) => r !== false)
  if (index >= 0) throw new SessionRevokedError(anchors[index]!)
}

/**
 * Whether the mandate's authority is still live (contract §3.3 step 4): not past `exp` (no
 * leeway), no anchor revoked, delegation graph not newer than the mandate. Exported so a
 * long-running call can re-check mid-flight. A store that fails counts as revoked.
 */
export async function checkActiveAuthority(mandate: VerifiedMandate, store: RevocationStore, nowMs: number): Promise<void> {
  if (!mandate.authorityRecordId) throw new TokenInvalidError('empty sid')
  if (mandate.expiresAt * 1000 <= nowMs) throw new TokenInvalidError('expired during execution', { description: 'Token expired during execution' })
  await checkAnchors(anchorsOf(mandate), store)
  if (mandate.graphEpoch !== undefined && store.currentDelegationEpoch) {
    let current: number | undefined
    try {
      current = await store.currentDelegationEpoch(mandate.zoneId)
    } catch (error) {
      throw new TokenInvalidError('delegation epoch lookup failed', { cause: error })
    }
    if (current !== undefined && current > mandate.graphEpoch) throw new DelegationStaleError(`graph epoch ${current} > mandate epoch ${mandate.graphEpoch}`)
  }
}

export type AuthenticateResult = { ok: true; mandate: VerifiedMandate } | { ok: false; error: MandateError }

export interface AuthenticateDeps {
  keys: VerificationKeys
  revocations: RevocationStore | undefined
  now?: () => number
}

/** The whole verification (contract §3.3): never throws; every failure is a coded error. */
export async function authenticateMandate(token: string | null | undefined, options: VerifyOptions, deps: AuthenticateDeps): Promise<AuthenticateResult> {
  if (!token) return { ok: false, error: new MissingTokenError() }
  try {
    const nowMs = (deps.now ?? Date.now)()
    const mandate = verifyMandateIdentity(token, options, deps.keys, nowMs)
    if (!deps.revocations) throw new TokenInvalidError('no revocation store', { description: 'Revocation store required' })
    await checkActiveAuthority(mandate, deps.revocations, nowMs)
    return { ok: true, mandate }
  } catch (error) {
    if (error instanceof MandateError) return { ok: false, error }
    return { ok: false, error: new TokenInvalidError('unexpected verification failure', { cause: error }) }
  }
}

/** `Authorization` header → bearer token (contract §3.8); null when absent or another scheme. */
export function extractBearer(header: string | null | undefined): string | null {
  if (!header || header.length < 7 || header.slice(0, 6).toLowerCase() !== 'bearer') return null
  if (!/\s/.test(header[6]!)) return null
  const token = header.slice(7).trim()
  return token === '' ? null : token
}
