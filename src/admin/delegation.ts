// Delegation edges as operators act on them (admin API and CLI), the body both HTTP surfaces read
// to create one, and the JSON every surface shows for an edge (contract §5.1 names). An operator
// names the issuer application and may create a broad edge (bound to no resource); its
// revocation runs the same cascade as the parties' own.
import { z } from 'zod'
import { Delegations, type NewDelegation } from '../delegation/index.js'
import type { DelegationEdgeRow } from '../store/index.js'
import { zoneApplication } from './applications.js'
import type { AdminServices } from './services.js'

export const DEFAULT_REVOCATION_REASON = 'revoked_by_operator'

const ID = z.string().min(1).max(128)

/**
 * The fields of a delegation-creating body (snake_case, Caracal's names). The domain checks the
 * rules in Caracal's order with its codes; this only bounds shapes, so issues name the field.
 */
export const DELEGATION_FIELDS = {
  source_session_id: ID,
  target_session_id: ID,
  issuer_application_id: ID.optional(),
  receiver_application_id: ID.optional(),
  resource: z.string().min(1).max(256).optional(),
  scopes: z.array(z.string().min(1).max(200)).min(1).max(64),
  constraints: z.record(z.string(), z.unknown()).optional(),
  ttl_seconds: z.int().min(1).max(86_400).optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
  parent_edge_id: ID.optional(),
}

const BODY = z.strictObject(DELEGATION_FIELDS)
export type DelegationBody = z.output<typeof BODY>

/** What a body asks for, camel-cased for the domain; who asks is the caller's to add. */
export function delegationRequest(body: DelegationBody): Omit<NewDelegation, 'zoneId' | 'callerApplicationId' | 'requestId' | 'allowBroad'> {
  return {
    sourceSessionId: body.source_session_id,
    targetSessionId: body.target_session_id,
    ...(body.issuer_application_id !== undefined && { issuerApplicationId: body.issuer_application_id }),
    ...(body.receiver_application_id !== undefined && { receiverApplicationId: body.receiver_application_id }),
    ...(body.resource !== undefined && { resource: body.resource }),
    scopes: body.scopes,
    ...(body.constraints !== undefined && { constraints: body.constraints }),
    ...(body.ttl_seconds !== undefined && { ttlSeconds: body.ttl_seconds }),
    ...(body.expires_at !== undefined && { expiresAt: body.expires_at }),
    ...(body.parent_edge_id !== undefined && { parentEdgeId: body.parent_edge_id }),
  }
}

/** The services' delegations, or ones built over their store, audit and sessions (they hold no state). */
export function delegationsOf(s: AdminServices): Delegations {
  return s.delegations ?? new Delegations({ store: s.store, audit: s.audit, sessions: s.sessions })
}

export type OperatorDelegation = Omit<NewDelegation, 'callerApplicationId' | 'allowBroad' | 'issuerApplicationId'> & { issuerApplicationId: string }

/** An edge an operator creates for the issuer application (404 when it is not the zone's); broad edges allowed. */
export async function createOperatorDelegation(s: AdminServices, input: OperatorDelegation): Promise<DelegationEdgeRow> {
  zoneApplication(s, input.zoneId, input.issuerApplicationId)
  return delegationsOf(s).create({ ...input, callerApplicationId: input.issuerApplicationId, allowBroad: true })
}

/** The receiver application's acceptance, made by an operator on its behalf (the CLI's). */
export async function acceptDelegation(s: AdminServices, zoneId: string, id: string, applicationId: string, requestId: string): Promise<DelegationEdgeRow> {
  return delegationsOf(s).accept(zoneId, id, applicationId, requestId)
}

/** Revokes the edge as an operator, with its cascade (contract §4.3): the ids of every edge and session it ended. */
export async function revokeDelegation(
  s: AdminServices,
  zoneId: string,
  id: string,
  by: { reason?: string | undefined; requestId: string },
): Promise<{ revoked: string[]; terminatedSessions: string[] }> {
  const { edges, ended } = await delegationsOf(s).revoke(zoneId, id, by.reason ?? DEFAULT_REVOCATION_REASON, by.requestId)
  return { revoked: edges, terminatedSessions: ended.sessions.map((row) => row.id) }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** Contract §5.1 names; `status` is the effective one (an active edge past its expiry reads `expired`). */
export function delegationJson(edge: DelegationEdgeRow, nowMs: number = Date.now()): Record<string, unknown> {
  return {
    id: edge.id,
    zone_id: edge.zoneId,
    source_session_id: edge.sourceSessionId,
    target_session_id: edge.targetSessionId,
    issuer_application_id: edge.issuerApplicationId,
    receiver_application_id: edge.receiverApplicationId,
    parent_edge_id: edge.parentEdgeId,
    resource_id: edge.resourceId,
    scopes: edge.scopes,
    constraints_json: edge.constraints,
    status: edge.status === 'active' && edge.expiresAt <= nowMs ? 'expired' : edge.status,
    expires_at: iso(edge.expiresAt),
    edge_version: edge.edgeVersion,
    depth: edge.depth,
    accepted_at: iso(edge.acceptedAt),
    revoked_at: iso(edge.revokedAt),
    revocation_reason: edge.revocationReason,
    created_at: iso(edge.createdAt),
  }
}
