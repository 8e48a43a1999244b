// Routes for a zone's audit log: the newest events (all, or one request's) and the verification
// of the zone's hash chain.
import { z } from 'zod'
import { param, type AdminRoutes } from './admin-request.js'
import { MAX_AUDIT_LIMIT, auditEventJson, queryAudit, verifyZoneAudit } from './audit-query.js'
import { limitParameter, readQuery } from './input.js'

const AUDIT_QUERY = z.strictObject({
  request_id: z.string().min(1).max(128).optional(),
  limit: limitParameter(MAX_AUDIT_LIMIT).optional(),
})

export const mountAuditRoutes: AdminRoutes = (router, s) => {
  router.get('/zones/:zoneId/audit', function queryZoneAudit(req, res) {
    const query = readQuery(AUDIT_QUERY, req.query)
    res.json({ events: queryAudit(s, param(req, 'zoneId'), { requestId: query.request_id, limit: query.limit }).map(auditEventJson) })
  })

  router.get('/zones/:zoneId/audit/verify', function verifyAudit(req, res) {
    res.json(verifyZoneAudit(s, param(req, 'zoneId')))
  })
}
