// Routes for a zone's step-up holds: list (by effective state) and the operator decision,
// which is Caracal's own operator path: POST /v1/zones/{zoneId}/approvals/{id}/approve|reject.
import { z } from 'zod'
import { adminRequestId, param, type AdminRoutes } from './admin-request.js'
import { APPROVAL_STATES, MAX_DECISION_REASON, approvalJson, decideApproval, listApprovals } from './approval-decision.js'
import { readBody, readQuery } from './input.js'

/** Who decided, as the hold and its audit event record it. */
export const ADMIN_API_DECIDER = 'operator:admin-api'

const APPROVAL_QUERY = z.strictObject({ state: z.enum(APPROVAL_STATES).optional() })
const DECISION = z.strictObject({ reason: z.string().min(1).max(MAX_DECISION_REASON).optional() })

export const mountApprovalRoutes: AdminRoutes = (router, s) => {
  router.get('/zones/:zoneId/approvals', function listZoneApprovals(req, res) {
    const { state } = readQuery(APPROVAL_QUERY, req.query)
    const now = Date.now()
    res.json({ approvals: listApprovals(s, param(req, 'zoneId'), state).map((row) => approvalJson(row, now)) })
  })

  for (const [verb, decision] of [['approve', 'approved'], ['reject', 'rejected']] as const) {
    router.post(`/zones/:zoneId/approvals/:id/${verb}`, async function decideZoneApproval(req, res) {
      const body = readBody(DECISION, req.body)
      const row = await decideApproval(s, { zoneId: param(req, 'zoneId'), id: param(req, 'id'), decision, by: ADMIN_API_DECIDER, reason: body.reason, requestId: adminRequestId(req, res) })
      res.json(approvalJson(row))
    })
  }
}
