// Routes for a zone's delegation edges as an operator sees them: list (all, or those touching one
// session), create for a named issuer application (broad edges allowed), and revoke with its
// cascade on Caracal's path, PATCH /v1/zones/{zoneId}/delegations/{id}/revoke.
import { z } from 'zod'
import { adminRequestId, param, type AdminRoutes } from './admin-request.js'
import { DELEGATION_FIELDS, createOperatorDelegation, delegationJson, delegationRequest, delegationsOf, revokeDelegation } from './delegation.js'
import { limitParameter, readBody, readQuery } from './input.js'

const MAX_DELEGATION_LIMIT = 1000

// An operator acts for no application of its own: it names the issuer.
const OPERATOR_DELEGATION = z.strictObject({ ...DELEGATION_FIELDS, issuer_application_id: z.string().min(1).max(128) })
const DELEGATION_QUERY = z.strictObject({
  session_id: z.string().min(1).max(128).optional(),
  limit: limitParameter(MAX_DELEGATION_LIMIT).optional(),
})
const REVOCATION = z.strictObject({ reason: z.string().min(1).max(500).optional() })

export const mountDelegationRoutes: AdminRoutes = (router, s) => {
  router.get('/zones/:zoneId/delegations', function listDelegations(req, res) {
    const query = readQuery(DELEGATION_QUERY, req.query)
    const rows = delegationsOf(s).list({
      zoneId: param(req, 'zoneId'),
      ...(query.session_id !== undefined && { sessionId: query.session_id }),
      ...(query.limit !== undefined && { limit: query.limit }),
    })
    const now = Date.now()
    res.json({ delegations: rows.map((row) => delegationJson(row, now)) })
  })

  router.post('/zones/:zoneId/delegations', async function createZoneDelegation(req, res) {
    const body = readBody(OPERATOR_DELEGATION, req.body)
    const edge = await createOperatorDelegation(s, {
      ...delegationRequest(body),
      zoneId: param(req, 'zoneId'),
      issuerApplicationId: body.issuer_application_id,
      requestId: adminRequestId(req, res),
    })
    res.status(201).json(delegationJson(edge))
  })

  router.patch('/zones/:zoneId/delegations/:id/revoke', async function revokeZoneDelegation(req, res) {
    const body = readBody(REVOCATION, req.body)
    const { revoked, terminatedSessions } = await revokeDelegation(s, param(req, 'zoneId'), param(req, 'id'), { reason: body.reason, requestId: adminRequestId(req, res) })
    res.json({ revoked, terminated_sessions: terminatedSessions })
  })
}
