// Routes for a zone's audit log: the newest events (all, or one request's), a page at a time
// (`before_seq`: the `next_before_seq` of the previous page), and the verification of the zone's
// hash chain.
import { z } from 'zod'
import { param, type AdminRoutes } from './admin-request.js'
import { MAX_AUDIT_LIMIT, auditEventJson, queryAudit, verifyZoneAudit } from './audit-query.js'
import { limitParameter, readQuery } from './input.js'

/** A chain_seq, read as `limit` is: a whole number as written in decimal, from 1. */
const SEQ_RULE = `a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`
const CHAIN_SEQ = z.string().regex(/^[1-9][0-9]{0,15}$/, SEQ_RULE).transform(Number).refine(Number.isSafeInteger, SEQ_RULE)

const AUDIT_QUERY = z.strictObject({
  request_id: z.string().min(1).max(128).optional(),
  limit: limitParameter(MAX_AUDIT_LIMIT).optional(),
  before_seq: CHAIN_SEQ.optional(),
})

export const mountAuditRoutes: AdminRoutes = (router, s) => {
  router.get('/zones/:zoneId/audit', function queryZoneAudit(req, res) {
    const query = readQuery(AUDIT_QUERY, req.query)
    const page = queryAudit(s, param(req, 'zoneId'), { requestId: query.request_id, limit: query.limit, beforeSeq: query.before_seq })
    res.json({ events: page.rows.map(auditEventJson), next_before_seq: page.nextBeforeSeq })
  })

  router.get('/zones/:zoneId/audit/verify', function verifyAudit(req, res) {
    res.json(verifyZoneAudit(s, param(req, 'zoneId')))
  })
}
