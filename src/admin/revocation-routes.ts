// Operator revocation of authority records (contract §4.3): one record and everything rooted in
// it, every record of a subject (a grant ended: reason `grant_revoked` by default), or every
// record of an application. Sessions and delegations are revoked on their own routes.
import { z } from 'zod'
import { revokeAuthority, type AuthorityTarget } from '../authority/index.js'
import { operator, param, type AdminRoutes } from './admin-request.js'
import { readBody } from './input.js'

const id = z.string().min(1).max(512)
const REVOCATION = z.strictObject({
  record: id.optional(),
  subject: id.optional(),
  application_id: id.optional(),
  reason: z.string().min(1).max(500).optional(),
}).refine((b) => [b.record, b.subject, b.application_id].filter((v) => v !== undefined).length === 1, 'name exactly one of record, subject, application_id')

export const mountRevocationRoutes: AdminRoutes = (router, s) => {
  router.post('/zones/:zoneId/revocations', async function revokeZoneAuthority(req, res) {
    const body = readBody(REVOCATION, req.body)
    const target: AuthorityTarget = body.record !== undefined ? { record: body.record } : body.subject !== undefined ? { subject: body.subject } : { application: body.application_id! }
    const by = operator(req, res)
    const revoked = await revokeAuthority(s, {
      zoneId: param(req, 'zoneId'), target, reason: body.reason ?? ('subject' in target ? 'grant_revoked' : 'revoked_by_operator'), requestId: by.requestId, actor: by.actor,
    })
    res.json({ revoked_records: revoked })
  })
}
