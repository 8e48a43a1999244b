// The mandate's claims: the raw wire set (contract §2.2) and the verified domain view, read claim
// by claim with the exact type rules of Caracal's verifier (contract §3.2 steps 3–9 and 13).
import { TokenInvalidError } from './errors.js'

export type MandateUse = 'session' | 'gateway' | 'resource'
export type SubjectType = 'user' | 'application'

export interface ChainHop {
  application_id: string
  agent_session_id?: string
  delegation_edge_id?: string
}

/** The claim set as signed, raw names. */
export interface MandateClaims {
  iss: string
  sub: string
  aud: string[]
  exp: number
  iat: number
  jti: string
  zone_id: string
  client_id: string
  scope?: string
  sid: string
  root_sid: string
  use: MandateUse
  sub_type: SubjectType
  target?: string[]
  agent_session_id?: string
  delegation_edge_id?: string
  source_session_id?: string
  target_session_id?: string
  delegation_path?: string[]
  delegation_chain?: ChainHop[]
  hop_count?: number
  delegation_graph_epoch?: number
}

/** A verified mandate, camel-cased as Caracal's verifier returns it. */
export interface VerifiedMandate {
  sub: string
  zoneId: string
  clientId: string
  authorityRecordId: string
  rootAuthorityRecordId: string
  use: MandateUse
  subType: SubjectType
  jti: string
  issuedAt: number
  expiresAt: number
  scope: string[]
  targetResources: string[]
  sessionId?: string
  delegationId?: string
  sourceSessionId?: string
  targetSessionId?: string
  delegationPath: string[]
  delegationChain: { applicationId: string; sessionId?: string; delegationId?: string }[]
  graphEpoch?: number
  hopCount: number
  /** The verified raw claims, for policy input; never logged. */
  claims: Readonly<Record<string, unknown>>
}

export const REQUIRED_CLAIMS = ['exp', 'iat', 'jti', 'sub', 'client_id', 'sid', 'root_sid', 'use', 'sub_type'] as const

/** RFC 6749 §3.3: split on ASCII whitespace, drop empties, de-duplicate, keep order. */
export function parseScope(scope: string | undefined): string[] {
  return scope ? [...new Set(scope.split(/[\t\n\f\r ]+/).filter(Boolean))] : []
}

function invalid(claim: string, problem: string): never {
  throw new TokenInvalidError(`claim ${claim} ${problem}`)
}

export function requiredString(claims: Record<string, unknown>, claim: string): string {
  const value = claims[claim]
  if (typeof value !== 'string' || value === '') invalid(claim, 'is not a non-empty string')
  return value
}

/** null and "" read as absent; any other non-string is invalid. */
export function optionalString(claims: Record<string, unknown>, claim: string): string | undefined {
  const value = claims[claim]
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string') invalid(claim, 'is not a string')
  return value
}

export function nonNegativeInteger(claims: Record<string, unknown>, claim: string): number | undefined {
  const value = claims[claim]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) invalid(claim, 'is not a non-negative integer')
  return value
}

export function stringArray(claims: Record<string, unknown>, claim: string): string[] {
  const value = claims[claim]
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) invalid(claim, 'is not an array of non-empty strings')
  return value as string[]
}

const HOP_KEYS = new Set(['application_id', 'agent_session_id', 'delegation_edge_id'])

export function delegationChain(claims: Record<string, unknown>): VerifiedMandate['delegationChain'] {
  const value = claims.delegation_chain
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) invalid('delegation_chain', 'is not an array')
  return value.map((hop: unknown) => {
    if (typeof hop !== 'object' || hop === null || Array.isArray(hop)) invalid('delegation_chain', 'has a hop that is not an object')
    const h = hop as Record<string, unknown>
    if (!Object.keys(h).every((k) => HOP_KEYS.has(k))) invalid('delegation_chain', 'has a hop with unknown keys')
    const applicationId = requiredString(h, 'application_id')
    const sessionId = optionalString(h, 'agent_session_id')
    const delegationId = optionalString(h, 'delegation_edge_id')
    return { applicationId, ...(sessionId && { sessionId }), ...(delegationId && { delegationId }) }
  })
}
