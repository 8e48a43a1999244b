// The calling application's agent sessions: start a root session, or spawn a child of one of its
// live sessions (authority inherit, narrow or none; never more than the parent's); read one; keep
// a service session alive; suspend, resume, terminate. Sessions of other applications do not
// exist here (404), so an application cannot learn another's session ids.
import { z } from 'zod'
import { readBody, sessionJson } from '../admin/index.js'
import { MAX_HEARTBEAT_SECONDS, MAX_LABEL_LENGTH, MAX_LABELS, MAX_TASK_TTL_SECONDS, MIN_HEARTBEAT_SECONDS, SessionNotFoundError, type SpawnAuthority } from '../sessions/index.js'
import { isSessionLive, type AgentSessionRow } from '../store/index.js'
import type { Caller } from './caller.js'
import { idempotentCreate } from './idempotency.js'
import { callerOf, coordinatorRequestId, idempotencyKey, param, sendOutcome, type CoordinatorContext, type CoordinatorRoutes } from './request.js'

export const DEFAULT_SUSPENSION_REASON = 'suspended_by_application'
export const DEFAULT_TERMINATION_REASON = 'terminated_by_application'

const WORD = /^[^\s\u0000-\u001f\u007f]+$/
const TEXT_WORD = (max: number) => z.string().min(1).max(max).regex(WORD, 'no whitespace or control characters')
const AUTHORITY = z.strictObject({
  mode: z.enum(['inherit', 'narrow', 'none']),
  scopes: z.array(TEXT_WORD(200)).min(1).max(64).optional(),
  resources: z.array(TEXT_WORD(256)).min(1).max(64).optional(),
})
const NEW_SESSION = z
  .strictObject({
    parent_session_id: z.string().min(1).max(128).optional(),
    authority: AUTHORITY.optional(),
    lifecycle: z.enum(['task', 'service']).optional(),
    ttl_seconds: z.int().min(1).max(MAX_TASK_TTL_SECONDS).optional(),
    heartbeat_seconds: z.int().min(MIN_HEARTBEAT_SECONDS).max(MAX_HEARTBEAT_SECONDS).optional(),
    labels: z.array(TEXT_WORD(MAX_LABEL_LENGTH)).max(MAX_LABELS).optional(),
  })
  .superRefine((body, ctx) => {
    const { authority } = body
    if (authority === undefined) return
    if (body.parent_session_id === undefined) ctx.addIssue({ code: 'custom', path: ['authority'], message: 'authority is for a spawned child: name its parent_session_id' })
    if (authority.mode === 'narrow') {
      for (const field of ['scopes', 'resources'] as const) {
        if (authority[field] === undefined) ctx.addIssue({ code: 'custom', path: ['authority', field], message: `narrow authority names its ${field}` })
      }
    } else {
      for (const field of ['scopes', 'resources'] as const) {
        if (authority[field] !== undefined) ctx.addIssue({ code: 'custom', path: ['authority', field], message: `only narrow authority names ${field}` })
      }
    }
  })
const REASON = z.strictObject({ reason: z.string().min(1).max(500).optional() })
const NO_FIELDS = z.strictObject({})

/** The admin API's session JSON plus what bounds the session: its authority and depth. */
export function agentSessionJson(row: AgentSessionRow): Record<string, unknown> {
  return { ...sessionJson(row), authority: row.authority, authority_scopes: row.authorityScopes, authority_resources: row.authorityResources, depth: row.depth }
}

/** One of the caller's sessions; any other session, of this zone or not, is absent. */
function ownSession(ctx: CoordinatorContext, caller: Caller, id: string): AgentSessionRow {
  const row = ctx.sessions.get(caller.zoneId, id)
  if (row.applicationId !== caller.applicationId) throw new SessionNotFoundError(id)
  return row
}

function spawnAuthority(authority: z.output<typeof AUTHORITY> | undefined): SpawnAuthority {
  if (authority === undefined || authority.mode === 'inherit') return { mode: 'inherit' }
  if (authority.mode === 'none') return { mode: 'none' }
  return { mode: 'narrow', scopes: authority.scopes ?? [], resources: authority.resources ?? [] }
}

export const mountSessionRoutes: CoordinatorRoutes = (router, ctx) => {
  router.post('/sessions', async function startOrSpawnSession(req, res) {
    const caller = callerOf(res)
    const body = readBody(NEW_SESSION, req.body)
    const requestId = coordinatorRequestId(req, res)
    const outcome = await idempotentCreate(
      ctx.store,
      {
        zoneId: caller.zoneId, caller: caller.applicationId, operation: 'create_session', key: idempotencyKey(req), body: req.body, nowMs: ctx.now(),
        stillActive: (created) => {
          const session = ctx.store.agentSessions.get(String((created as { id?: unknown }).id))
          return session !== undefined && isSessionLive(session, ctx.now())
        },
      },
      async () => {
        const shape = {
          zoneId: caller.zoneId,
          applicationId: caller.applicationId,
          ...(body.lifecycle !== undefined && { lifecycle: body.lifecycle }),
          ...(body.ttl_seconds !== undefined && { ttlSeconds: body.ttl_seconds }),
          ...(body.heartbeat_seconds !== undefined && { heartbeatSeconds: body.heartbeat_seconds }),
          ...(body.labels !== undefined && { labels: body.labels }),
          requestId,
          startedBy: caller.applicationId,
        }
        let row: AgentSessionRow
        if (body.parent_session_id === undefined) {
          row = await ctx.sessions.start(shape)
        } else {
          ownSession(ctx, caller, body.parent_session_id)
          row = await ctx.sessions.spawn({ ...shape, parentSessionId: body.parent_session_id, authority: spawnAuthority(body.authority) })
        }
        return { status: 201, json: agentSessionJson(row) }
      },
    )
    sendOutcome(res, outcome)
  })

  router.get('/sessions/:id', function readSession(req, res) {
    res.json(agentSessionJson(ownSession(ctx, callerOf(res), param(req, 'id'))))
  })

  router.post('/sessions/:id/heartbeat', function heartbeatSession(req, res) {
    readBody(NO_FIELDS, req.body)
    const caller = callerOf(res)
    const row = ownSession(ctx, caller, param(req, 'id'))
    res.json(agentSessionJson(ctx.sessions.heartbeat(caller.zoneId, row.id)))
  })

  router.post('/sessions/:id/suspend', async function suspendSession(req, res) {
    const body = readBody(REASON, req.body)
    const caller = callerOf(res)
    const row = ownSession(ctx, caller, param(req, 'id'))
    const { session, revokedRecords } = await ctx.sessions.suspend(caller.zoneId, row.id, body.reason ?? DEFAULT_SUSPENSION_REASON, coordinatorRequestId(req, res), caller.applicationId)
    res.json({ ...agentSessionJson(session), revoked_records: revokedRecords })
  })

  router.post('/sessions/:id/resume', async function resumeSession(req, res) {
    readBody(NO_FIELDS, req.body)
    const caller = callerOf(res)
    const row = ownSession(ctx, caller, param(req, 'id'))
    res.json(agentSessionJson(await ctx.sessions.resume(caller.zoneId, row.id, coordinatorRequestId(req, res), caller.applicationId)))
  })

  router.post('/sessions/:id/terminate', async function terminateSession(req, res) {
    const body = readBody(REASON, req.body)
    const caller = callerOf(res)
    const row = ownSession(ctx, caller, param(req, 'id'))
    const ended = await ctx.sessions.terminate(caller.zoneId, row.id, body.reason ?? DEFAULT_TERMINATION_REASON, coordinatorRequestId(req, res))
    res.json({ terminated: ended.map((s) => s.id) })
  })
}
