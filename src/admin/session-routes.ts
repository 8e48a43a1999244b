// Routes for a zone's agent sessions: start (audited, started_by `admin`), list, read, heartbeat,
// suspend and resume (reversible; suspending revokes what was minted under the subtree) and
// terminate (the session and its subtree, each id revoked as an anchor and audited).
import { z } from 'zod'
import { MAX_HEARTBEAT_SECONDS, MAX_LABEL_LENGTH, MAX_LABELS, MAX_TASK_TTL_SECONDS, MIN_HEARTBEAT_SECONDS } from '../sessions/index.js'
import { adminRequestId, param, type AdminRoutes } from './admin-request.js'
import { sessionJson, startSession, suspendSession, terminateSession } from './agent-session.js'
import { limitParameter, readBody, readQuery } from './input.js'

const MAX_SESSION_LIMIT = 1000

const LABEL = z.string().min(1).max(MAX_LABEL_LENGTH).regex(/^[^\s\u0000-\u001f\u007f]+$/, 'no whitespace or control characters')
const NEW_SESSION = z.strictObject({
  application_id: z.string().min(1).max(128),
  lifecycle: z.enum(['task', 'service']).optional(),
  ttl_seconds: z.int().min(1).max(MAX_TASK_TTL_SECONDS).optional(),
  heartbeat_seconds: z.int().min(MIN_HEARTBEAT_SECONDS).max(MAX_HEARTBEAT_SECONDS).optional(),
  labels: z.array(LABEL).max(MAX_LABELS).optional(),
})
const SESSION_QUERY = z.strictObject({
  application_id: z.string().min(1).max(128).optional(),
  status: z.enum(['active', 'suspended', 'terminated']).optional(),
  limit: limitParameter(MAX_SESSION_LIMIT).optional(),
})
const REASON = z.strictObject({ reason: z.string().min(1).max(500).optional() })
const NO_FIELDS = z.strictObject({})

export const mountSessionRoutes: AdminRoutes = (router, s) => {
  router.get('/zones/:zoneId/sessions', function listSessions(req, res) {
    const query = readQuery(SESSION_QUERY, req.query)
    const rows = s.sessions.list({
      zoneId: param(req, 'zoneId'),
      ...(query.application_id !== undefined && { applicationId: query.application_id }),
      ...(query.status !== undefined && { status: query.status }),
      ...(query.limit !== undefined && { limit: query.limit }),
    })
    res.json({ sessions: rows.map(sessionJson) })
  })

  router.post('/zones/:zoneId/sessions', async function startZoneSession(req, res) {
    const body = readBody(NEW_SESSION, req.body)
    const row = await startSession(s, {
      zoneId: param(req, 'zoneId'),
      applicationId: body.application_id,
      ...(body.lifecycle !== undefined && { lifecycle: body.lifecycle }),
      ...(body.ttl_seconds !== undefined && { ttlSeconds: body.ttl_seconds }),
      ...(body.heartbeat_seconds !== undefined && { heartbeatSeconds: body.heartbeat_seconds }),
      ...(body.labels !== undefined && { labels: body.labels }),
      requestId: adminRequestId(req, res),
      startedBy: 'admin',
    })
    res.status(201).json(sessionJson(row))
  })

  router.get('/zones/:zoneId/sessions/:id', function readSession(req, res) {
    res.json(sessionJson(s.sessions.get(param(req, 'zoneId'), param(req, 'id'))))
  })

  router.post('/zones/:zoneId/sessions/:id/heartbeat', function heartbeatSession(req, res) {
    readBody(NO_FIELDS, req.body)
    res.json(sessionJson(s.sessions.heartbeat(param(req, 'zoneId'), param(req, 'id'))))
  })

  router.post('/zones/:zoneId/sessions/:id/suspend', async function suspendZoneSession(req, res) {
    const body = readBody(REASON, req.body)
    const { session, revokedRecords } = await suspendSession(s, param(req, 'zoneId'), param(req, 'id'), body.reason, adminRequestId(req, res))
    res.json({ ...sessionJson(session), revoked_records: revokedRecords })
  })

  router.post('/zones/:zoneId/sessions/:id/resume', async function resumeZoneSession(req, res) {
    readBody(NO_FIELDS, req.body)
    res.json(sessionJson(await s.sessions.resume(param(req, 'zoneId'), param(req, 'id'), adminRequestId(req, res))))
  })

  router.post('/zones/:zoneId/sessions/:id/terminate', async function terminateZoneSession(req, res) {
    const body = readBody(REASON, req.body)
    res.json({ terminated: await terminateSession(s, param(req, 'zoneId'), param(req, 'id'), body.reason, adminRequestId(req, res)) })
  })
}
