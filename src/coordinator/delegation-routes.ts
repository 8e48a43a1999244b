// The calling application's delegation edges (contract §5): create one from its own session (it
// is the issuer; an edge bound to no resource is refused, as only operators may create those),
// read one it is a party to, accept one it receives, and revoke one it is a party to on Caracal's
// path, PATCH /zones/{zoneId}/delegations/{id}/revoke, with the cascade of §4.3. Edges the
// caller is no party to do not exist here (404).
import { z } from 'zod'
import { DELEGATION_FIELDS, delegationJson, delegationRequest, readBody } from '../admin/index.js'
import { DelegationRefusedError } from '../delegation/index.js'
import type { DelegationEdgeRow } from '../store/index.js'
import type { Caller } from './caller.js'
import { idempotentCreate } from './idempotency.js'
import { callerOf, coordinatorRequestId, idempotencyKey, param, sendOutcome, type CoordinatorContext, type CoordinatorRoutes } from './request.js'

export const DEFAULT_REVOCATION_REASON = 'revoked_by_application'

const NEW_DELEGATION = z.strictObject(DELEGATION_FIELDS)
const REVOCATION = z.strictObject({ reason: z.string().min(1).max(500).optional() })
const NO_FIELDS = z.strictObject({})

/** An edge the caller issued or receives; any other is absent. */
function partyEdge(ctx: CoordinatorContext, caller: Caller, id: string): DelegationEdgeRow {
  const edge = ctx.delegations.get(caller.zoneId, id)
  if (edge.issuerApplicationId !== caller.applicationId && edge.receiverApplicationId !== caller.applicationId) {
    throw new DelegationRefusedError('delegation_not_found', `delegation ${id} does not exist in this zone`)
  }
  return edge
}

export const mountDelegationRoutes: CoordinatorRoutes = (router, ctx) => {
  router.post('/delegations', async function createDelegation(req, res) {
    const caller = callerOf(res)
    const body = readBody(NEW_DELEGATION, req.body)
    const requestId = coordinatorRequestId(req, res)
    const outcome = await idempotentCreate(
      ctx.store,
      {
        zoneId: caller.zoneId, caller: caller.applicationId, operation: 'create_delegation', key: idempotencyKey(req), body: req.body, nowMs: ctx.now(),
        stillActive: (created) => {
          const edge = ctx.store.delegationEdges.get(String((created as { id?: unknown }).id))
          return edge !== undefined && edge.status === 'active' && edge.revokedAt === null && edge.expiresAt > ctx.now()
        },
      },
      async () => {
        const edge = await ctx.delegations.create({ ...delegationRequest(body), zoneId: caller.zoneId, callerApplicationId: caller.applicationId, allowBroad: false, requestId })
        return { status: 201, json: delegationJson(edge, ctx.now()) }
      },
    )
    sendOutcome(res, outcome)
  })

  router.get('/delegations/:id', function readDelegation(req, res) {
    res.json(delegationJson(partyEdge(ctx, callerOf(res), param(req, 'id')), ctx.now()))
  })

  router.post('/delegations/:id/accept', async function acceptDelegation(req, res) {
    readBody(NO_FIELDS, req.body)
    const caller = callerOf(res)
    const edge = partyEdge(ctx, caller, param(req, 'id'))
    const accepted = await ctx.delegations.accept(caller.zoneId, edge.id, caller.applicationId, coordinatorRequestId(req, res))
    res.json(delegationJson(accepted, ctx.now()))
  })

  router.patch('/delegations/:id/revoke', async function revokeOwnDelegation(req, res) {
    const body = readBody(REVOCATION, req.body)
    const caller = callerOf(res)
    const edge = partyEdge(ctx, caller, param(req, 'id'))
    const { edges, ended } = await ctx.delegations.revoke(caller.zoneId, edge.id, body.reason ?? DEFAULT_REVOCATION_REASON, coordinatorRequestId(req, res), caller.applicationId)
    res.json({ revoked: edges, terminated_sessions: ended.sessions.map((s) => s.id) })
  })
}
