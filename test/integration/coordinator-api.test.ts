// Drives the Coordinator over real HTTP on loopback, on a real SQLite file, with bearers minted by
// the real STS of test/helpers/sts-world.ts (bootstrap mandates of app-1 and app-4 in zone-1, of
// app-3 in zone-3): authentication (missing, garbage, another zone's, revoked, a non-lifecycle
// agent mandate), start / spawn / suspend / resume / terminate with their audit rows, a
// delegation from app-1 to app-4 accepted by app-4's own bootstrap mandate and revoked with its
// cascade, idempotent creates (replay, conflict, a race on one key, an abandoned reservation),
// refusals with Caracal's exact wire codes, and the operator's admin routes for suspension and
// delegations. It does not cover the CLI (test/integration/cli.test.ts) nor the domain rules one
// by one (test/unit/delegation/).
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AdminServices } from '../../src/admin/index.js'
import { createApp } from '../../src/app.js'
import { Delegations } from '../../src/delegation/index.js'
import { encodeForm, startStsWorld, WORLD_IDS, ZONE_1_DATA, type StsWorld } from '../helpers/sts-world.js'

const ADMIN_TOKEN = 'test-only-admin-token-of-the-coordinator-tests'
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'

let world: StsWorld
let server: Server
let url: string
let delegations: Delegations
const serverErrors: unknown[] = []

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown> & { error?: string; details?: { issues: { path: string; message: string }[] } }
}

async function call(method: string, path: string, options: { bearer?: string | null; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.bearer && { authorization: `Bearer ${options.bearer}` }), ...options.headers }
  if (options.body !== undefined) headers['content-type'] ??= 'application/json'
  const response = await fetch(`${url}${path}`, { method, headers, ...(options.body !== undefined && { body: JSON.stringify(options.body) }) })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} }
}

const admin = (method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) => call(method, path, { ...options, bearer: ADMIN_TOKEN })

async function token(fields: [string, string][]): Promise<string> {
  const response = await fetch(`${world.url}/oauth/2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: encodeForm([['grant_type', EXCHANGE], ...fields]) })
  const body = (await response.json()) as { access_token?: string }
  expect(response.status, JSON.stringify(body)).toBe(200)
  return body.access_token!
}

/** The application's bootstrap mandate: use=session, scope agent:lifecycle. */
const bootstrap = (app: string, zone = 'zone-1') =>
  token([['zone_id', zone], ['application_id', app], ['client_secret', `@secret:${app}`], ['resource', 'resource://caracal/lifecycle'], ['scope', 'agent:lifecycle']])

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>

async function auditOf(requestId: string): Promise<{ eventType: string; metadata: Record<string, unknown> }[]> {
  await world.audit.flushed()
  return world.store.auditEvents.byRequestId(requestId).map((row) => ({ eventType: row.eventType, metadata: JSON.parse(row.metadataJson) as Record<string, unknown> }))
}

let app1: string
let app4: string

beforeAll(async () => {
  world = await startStsWorld()
  // app-4 may bootstrap too (it must accept what app-1 delegates to it); zone-3 gets a policy so
  // that app-3 can hold a bootstrap mandate of another zone.
  world.policy.activate('zone-1', {
    ...ZONE_1_DATA,
    app_ids: { ...ZONE_1_DATA.app_ids, 'app-4': 'app-4' },
    grants: { ...ZONE_1_DATA.grants, 'resource://caracal/lifecycle': { applications: ['app-1', 'app-4'], roles: {} } },
  })
  world.policy.activate('zone-3', { app_ids: { 'app-3': 'app-3' }, grants: { 'resource://caracal/lifecycle': { application: 'app-3', roles: {} } } })
  const sessions = world.exchange.sessions
  delegations = new Delegations({ store: world.store, audit: world.audit, sessions })
  const services: AdminServices = { store: world.store, keys: world.keys, audit: world.audit, sessions, approvals: world.exchange.approvals, delegations, secrets: { auditHmacKey: world.auditKey } }
  server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const onError = (error: unknown) => serverErrors.push(error)
  server.on(
    'request',
    createApp({
      sts: { exchange: world.exchange, keys: world.keys },
      coordinator: { issuer: world.issuer, store: world.store, keys: world.keys, sessions, delegations, onError },
      admin: { services, token: ADMIN_TOKEN, onError },
    }),
  )
  app1 = await bootstrap('app-1')
  app4 = await bootstrap('app-4')
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await world.close()
  expect(serverErrors).toEqual([])
})

describe('Coordinator authentication', () => {
  it('answers a request without a bearer 401 invalid_token with a Bearer challenge, echoing the request id', async () => {
    const answer = await call('POST', '/zones/zone-1/sessions', { body: {}, headers: { 'x-request-id': 'coord-req-1' } })
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="caracal-mcp-coordinator"')
    expect(answer.headers.get('x-request-id')).toBe('coord-req-1')
    expect(answer.headers.get('cache-control')).toBe('no-store')
    expect(answer.body).toEqual({ error: 'invalid_token', error_description: expect.any(String), requestId: 'coord-req-1' })
  })

  it('refuses a bearer that is no mandate of ours with 401 and error="invalid_token"', async () => {
    const answer = await call('GET', '/zones/zone-1/sessions/x', { bearer: 'not.a.mandate' })
    expect(answer.status).toBe(401)
    expect(answer.body.error).toBe('invalid_token')
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="caracal-mcp-coordinator", error="invalid_token"')
  })

  it("refuses another zone's bootstrap mandate with 401, both ways", async () => {
    const app3 = await bootstrap('app-3', 'zone-3')
    expect(claimsOf(app3)).toMatchObject({ zone_id: 'zone-3', scope: 'agent:lifecycle' })
    expect((await call('POST', '/zones/zone-1/sessions', { bearer: app3, body: {} })).status).toBe(401)
    expect((await call('POST', '/zones/zone-3/sessions', { bearer: app1, body: {} })).status).toBe(401)
    expect((await call('POST', '/zones/zone-3/sessions', { bearer: app3, body: {} })).status).toBe(201)
  })

  it('refuses an agent mandate (use=session without agent:lifecycle) with 403 insufficient_scope', async () => {
    const agent = await token([['zone_id', 'zone-1'], ['application_id', 'app-1'], ['client_secret', '@secret:app-1'], ['agent_session_id', WORLD_IDS.session]])
    expect(claimsOf(agent)).toMatchObject({ use: 'session', agent_session_id: WORLD_IDS.session })
    const answer = await call('POST', '/zones/zone-1/sessions', { bearer: agent, body: {} })
    expect(answer.status).toBe(403)
    expect(answer.body).toMatchObject({ error: 'insufficient_scope', error_description: 'Missing scope: agent:lifecycle (present the application\'s bootstrap mandate)' })
    expect(answer.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
  })

  it('refuses a bootstrap mandate whose authority record was revoked', async () => {
    const revoked = await bootstrap('app-1')
    const sid = claimsOf(revoked).sid as string
    world.store.revocations.revoke({ anchor: sid, zoneId: 'zone-1', kind: 'authority_record', reason: 'test', revokedAt: Date.now(), expiresAt: Date.now() + 600_000 })
    expect((await call('POST', '/zones/zone-1/sessions', { bearer: revoked, body: {} })).status).toBe(401)
  })

  it('authenticates before anything else: a bad body or an unknown route is 401 without a bearer, 400 or 404 with one', async () => {
    expect((await call('GET', '/zones/zone-1/nothing-here')).status).toBe(401)
    expect(await call('GET', '/zones/zone-1/nothing-here', { bearer: app1 })).toMatchObject({ status: 404, body: { error: 'resource_not_found' } })
    const bad = await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { ttl_seconds: 0, owner: 'x' } })
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_body' } })
    expect(bad.body.details!.issues.map((i) => i.path).sort()).toEqual(['$', '$.ttl_seconds'])
  })
})

describe('agent sessions over HTTP', () => {
  it('starts a root session of the calling application (201) with its JSON and audit row', async () => {
    const started = await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { ttl_seconds: 600, labels: ['app-1'] }, headers: { 'x-request-id': 'coord-start' } })
    expect(started.status).toBe(201)
    expect(started.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), zone_id: 'zone-1', application_id: 'app-1', parent_session_id: null, lifecycle: 'task', labels: ['app-1'], status: 'active',
      started_at: expect.any(String), expires_at: expect.any(String), ttl_seconds: 600, heartbeat_seconds: null, terminated_at: null, termination_reason: null,
      authority: 'full', authority_scopes: null, authority_resources: null, depth: 0,
    })
    expect(await auditOf('coord-start')).toMatchObject([{ eventType: 'session_started', metadata: { agent_session_id: started.body.id, started_by: 'app-1' } }])
    expect(await call('GET', `/zones/zone-1/sessions/${started.body.id}`, { bearer: app1 })).toMatchObject({ status: 200, body: { id: started.body.id } })
  })

  it('spawns children: narrow within the parent, refused beyond it (403), authority only with a parent (400)', async () => {
    const root = (await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {} })).body
    const narrow = await call('POST', '/zones/zone-1/sessions', {
      bearer: app1, headers: { 'x-request-id': 'coord-spawn' },
      body: { parent_session_id: root.id, authority: { mode: 'narrow', scopes: ['files:read'], resources: ['resource://files/read'] }, ttl_seconds: 300 },
    })
    expect(narrow.status).toBe(201)
    expect(narrow.body).toMatchObject({ parent_session_id: root.id, authority: 'narrow', authority_scopes: ['files:read'], authority_resources: ['resource://files/read'], depth: 1, ttl_seconds: 300 })
    expect(await auditOf('coord-spawn')).toMatchObject([{ eventType: 'session_started', metadata: { agent_parent_id: root.id, agent_authority: 'narrow' } }])

    const beyond = await call('POST', '/zones/zone-1/sessions', {
      bearer: app1, body: { parent_session_id: narrow.body.id, authority: { mode: 'narrow', scopes: ['files:write'], resources: ['resource://files/write'] } },
    })
    expect(beyond).toMatchObject({ status: 403, body: { error: 'delegation_exceeds_parent_authority' } })
    const none = await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { parent_session_id: narrow.body.id, authority: { mode: 'none' } } })
    expect(none).toMatchObject({ status: 201, body: { authority: 'none', depth: 2 } })
    const inherited = await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { parent_session_id: narrow.body.id } })
    expect(inherited).toMatchObject({ status: 201, body: { authority: 'narrow', authority_scopes: ['files:read'] } })

    const orphan = await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { authority: { mode: 'inherit' } } })
    expect(orphan).toMatchObject({ status: 400, body: { error: 'invalid_body', details: { issues: [{ path: '$.authority' }] } } })
    const loose = await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { parent_session_id: root.id, authority: { mode: 'narrow', scopes: ['files:read'] } } })
    expect(loose).toMatchObject({ status: 400, body: { details: { issues: [{ path: '$.authority.resources' }] } } })
  })

  it("shows another application's sessions as absent: reading, spawning from and suspending them is 404", async () => {
    expect(await call('GET', `/zones/zone-1/sessions/${WORLD_IDS.app4Session}`, { bearer: app1 })).toMatchObject({ status: 404, body: { error: 'resource_not_found' } })
    expect((await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { parent_session_id: WORLD_IDS.app4Session } })).status).toBe(404)
    expect((await call('POST', `/zones/zone-1/sessions/${WORLD_IDS.app4Session}/suspend`, { bearer: app1 })).status).toBe(404)
    expect((await call('GET', `/zones/zone-1/sessions/${WORLD_IDS.otherZoneSession}`, { bearer: app1 })).status).toBe(404)
  })

  it('suspends (spawning under it is then 409), resumes and terminates with its subtree, each audited', async () => {
    const parent = (await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {} })).body
    const child = (await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { parent_session_id: parent.id } })).body
    const suspended = await call('POST', `/zones/zone-1/sessions/${parent.id}/suspend`, { bearer: app1, body: { reason: 'paused' }, headers: { 'x-request-id': 'coord-suspend' } })
    expect(suspended).toMatchObject({ status: 200, body: { id: parent.id, status: 'suspended', revoked_records: [] } })
    expect(await auditOf('coord-suspend')).toMatchObject([{ eventType: 'session_suspended', metadata: { agent_session_id: parent.id, reason: 'paused' } }])
    expect(await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { parent_session_id: parent.id } })).toMatchObject({ status: 409, body: { error: 'conflict' } })
    expect((await call('POST', `/zones/zone-1/sessions/${parent.id}/suspend`, { bearer: app1 })).status).toBe(409)

    const resumed = await call('POST', `/zones/zone-1/sessions/${parent.id}/resume`, { bearer: app1, headers: { 'x-request-id': 'coord-resume' } })
    expect(resumed).toMatchObject({ status: 200, body: { status: 'active' } })
    expect(await auditOf('coord-resume')).toMatchObject([{ eventType: 'session_resumed' }])
    expect((await call('POST', `/zones/zone-1/sessions/${parent.id}/resume`, { bearer: app1, body: { reason: 'no' } })).status).toBe(400)

    expect(await call('POST', `/zones/zone-1/sessions/${parent.id}/heartbeat`, { bearer: app1 })).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    const ended = await call('POST', `/zones/zone-1/sessions/${parent.id}/terminate`, { bearer: app1, body: { reason: 'done' }, headers: { 'x-request-id': 'coord-terminate' } })
    expect(ended.status).toBe(200)
    expect([...(ended.body.terminated as string[])].sort()).toEqual([parent.id as string, child.id as string].sort())
    const rows = await auditOf('coord-terminate')
    expect(rows.map((r) => [r.eventType, r.metadata.agent_session_id, r.metadata.reason]).sort()).toEqual(
      [['session_terminated', parent.id, 'done'], ['session_terminated', child.id, 'parent_terminated']].sort(),
    )
    expect((await call('GET', `/zones/zone-1/sessions/${child.id}`, { bearer: app1 })).body).toMatchObject({ status: 'terminated', termination_reason: 'parent_terminated' })
  })

  it('keeps a service session alive with a heartbeat', async () => {
    const service = (await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { lifecycle: 'service', heartbeat_seconds: 30 } })).body
    const beat = await call('POST', `/zones/zone-1/sessions/${service.id}/heartbeat`, { bearer: app1 })
    expect(beat).toMatchObject({ status: 200, body: { lifecycle: 'service', heartbeat_seconds: 30 } })
  })
})

describe('delegations over HTTP', () => {
  const startOf = async (bearer: string) => (await call('POST', '/zones/zone-1/sessions', { bearer, body: {} })).body.id as string
  const edgeBody = (source: string, target: string, extra: Record<string, unknown> = {}) => ({ source_session_id: source, target_session_id: target, resource: 'resource://files/read', scopes: ['files:read'], ttl_seconds: 600, ...extra })

  it('creates an edge to another application, accepted by its bootstrap mandate, and revoked by it with the cascade', async () => {
    const source = await startOf(app1)
    const target = await startOf(app4)
    const below = await startOf(app4)
    const created = await call('POST', '/zones/zone-1/delegations', { bearer: app1, body: edgeBody(source, target, { constraints: { max_hops: 2 } }), headers: { 'x-request-id': 'coord-edge' } })
    expect(created.status).toBe(201)
    const edge = created.body
    expect(edge).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), zone_id: 'zone-1', source_session_id: source, target_session_id: target, issuer_application_id: 'app-1', receiver_application_id: 'app-4',
      parent_edge_id: null, resource_id: 'res-files-read', scopes: ['files:read'], constraints_json: { max_hops: 2, ttl_seconds: 600 }, status: 'active', expires_at: expect.any(String),
      edge_version: 1, depth: 1, accepted_at: null, revoked_at: null, revocation_reason: null, created_at: expect.any(String),
    })
    expect(await auditOf('coord-edge')).toMatchObject([{ eventType: 'delegation_created', metadata: { delegation_edge_id: edge.id, issuer_application_id: 'app-1', receiver_application_id: 'app-4' } }])
    expect(await call('GET', `/zones/zone-1/delegations/${edge.id}`, { bearer: app4 })).toMatchObject({ status: 200, body: { id: edge.id, accepted_at: null } })

    // Only the receiver accepts; then it may delegate further below the edge.
    expect(await call('POST', `/zones/zone-1/delegations/${edge.id}/accept`, { bearer: app1 })).toMatchObject({ status: 403, body: { error: 'access_denied' } })
    const accepted = await call('POST', `/zones/zone-1/delegations/${edge.id}/accept`, { bearer: app4, headers: { 'x-request-id': 'coord-accept' } })
    expect(accepted).toMatchObject({ status: 200, body: { id: edge.id, accepted_at: expect.any(String), edge_version: 2 } })
    expect(await auditOf('coord-accept')).toMatchObject([{ eventType: 'delegation_accepted', metadata: { delegation_edge_id: edge.id } }])
    expect(await call('POST', `/zones/zone-1/delegations/${edge.id}/accept`, { bearer: app4 })).toMatchObject({ status: 409, body: { error: 'delegation_not_pending' } })
    const downstream = await call('POST', '/zones/zone-1/delegations', { bearer: app4, body: edgeBody(target, below, { ttl_seconds: 300 }) })
    expect(downstream).toMatchObject({ status: 201, body: { parent_edge_id: edge.id, depth: 2, issuer_application_id: 'app-4', receiver_application_id: 'app-4' } })

    const revoked = await call('PATCH', `/zones/zone-1/delegations/${edge.id}/revoke`, { bearer: app4, body: { reason: 'no longer needed' }, headers: { 'x-request-id': 'coord-revoke' } })
    expect(revoked.status).toBe(200)
    expect([...(revoked.body.revoked as string[])].sort()).toEqual([edge.id as string, downstream.body.id as string].sort())
    expect([...(revoked.body.terminated_sessions as string[])].sort()).toEqual([target, below].sort())
    const rows = await auditOf('coord-revoke')
    expect(rows.filter((r) => r.eventType === 'delegation_revoked').map((r) => [r.metadata.delegation_edge_id, r.metadata.cascade_from ?? null]).sort()).toEqual(
      [[edge.id, null], [downstream.body.id, edge.id]].sort(),
    )
    expect(rows.filter((r) => r.eventType === 'session_terminated').map((r) => r.metadata.agent_session_id).sort()).toEqual([target, below].sort())
    expect((await call('GET', `/zones/zone-1/delegations/${edge.id}`, { bearer: app1 })).body).toMatchObject({ status: 'revoked', revocation_reason: 'no longer needed' })
    expect(await call('PATCH', `/zones/zone-1/delegations/${edge.id}/revoke`, { bearer: app1 })).toMatchObject({ status: 409, body: { error: 'delegation_not_pending' } })
    expect((await call('GET', `/zones/zone-1/sessions/${source}`, { bearer: app1 })).body).toMatchObject({ status: 'active' })
  })

  it('shows an edge to none but its parties (404)', async () => {
    const [a, b] = [await startOf(app1), await startOf(app1)]
    const edge = (await call('POST', '/zones/zone-1/delegations', { bearer: app1, body: edgeBody(a, b) })).body
    expect(edge).toMatchObject({ receiver_application_id: 'app-1', accepted_at: expect.any(String) })
    expect(await call('GET', `/zones/zone-1/delegations/${edge.id}`, { bearer: app4 })).toMatchObject({ status: 404, body: { error: 'delegation_not_found' } })
    expect((await call('PATCH', `/zones/zone-1/delegations/${edge.id}/revoke`, { bearer: app4 })).status).toBe(404)
    expect((await call('POST', `/zones/zone-1/delegations/${edge.id}/accept`, { bearer: app4 })).status).toBe(404)
  })

  it.each([
    ['self_delegation_denied', 400, (a: string) => edgeBody(a, a)],
    ['delegation_expiry_required', 400, (a: string, b: string) => edgeBody(a, b, { ttl_seconds: undefined })],
    ['issuer_ownership_required', 403, (a: string, b: string) => edgeBody(a, b, { issuer_application_id: 'app-4' })],
    ['delegation_broad_denied', 403, (a: string, b: string) => edgeBody(a, b, { resource: undefined })],
    ['delegation_application_mismatch', 409, (_a: string, b: string) => edgeBody(WORLD_IDS.app4Session, b, { issuer_application_id: 'app-1' })],
    ['delegation_scopes_exceed_resource', 403, (a: string, b: string) => edgeBody(a, b, { scopes: ['files:write'] })],
  ] as const)('refuses with %s (%i)', async (code, status, body) => {
    const [a, b] = [await startOf(app1), await startOf(app4)]
    const answer = await call('POST', '/zones/zone-1/delegations', { bearer: app1, body: body(a, b) })
    expect(answer.status, JSON.stringify(answer.body)).toBe(status)
    expect(answer.body).toEqual({ error: code, error_description: expect.any(String), requestId: expect.any(String) })
  })

  it('refuses unknown body fields with invalid_body and their issues', async () => {
    const answer = await call('POST', '/zones/zone-1/delegations', { bearer: app1, body: { source_session_id: 'a', target_session_id: 'b', scopes: [], budget: 3 } })
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_body' } })
    expect(answer.body.details!.issues.map((i) => i.path).sort()).toEqual(['$', '$.scopes'])
  })
})

describe('idempotent creates', () => {
  it('replays the first response for the same key and body, and creates no second edge', async () => {
    const [a, b] = [(await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {} })).body.id as string, (await call('POST', '/zones/zone-1/sessions', { bearer: app4, body: {} })).body.id as string]
    const body = { source_session_id: a, target_session_id: b, resource: 'resource://files/read', scopes: ['files:read'], ttl_seconds: 600 }
    const headers = { 'idempotency-key': 'create-edge-1' }
    const first = await call('POST', '/zones/zone-1/delegations', { bearer: app1, body, headers })
    expect(first.status).toBe(201)
    expect(first.headers.get('idempotency-replayed')).toBeNull()
    // The same body with its keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse())
    const again = await call('POST', '/zones/zone-1/delegations', { bearer: app1, body: reordered, headers })
    expect(again.status).toBe(201)
    expect(again.headers.get('idempotency-replayed')).toBe('true')
    expect(again.body).toEqual(first.body)
    expect(delegations.list({ zoneId: 'zone-1', sessionId: a })).toHaveLength(1)

    const other = await call('POST', '/zones/zone-1/delegations', { bearer: app1, body: { ...body, ttl_seconds: 300 }, headers })
    expect(other).toMatchObject({ status: 409, body: { error: 'idempotency_key_conflict' } })
    expect(await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {}, headers })).toMatchObject({ status: 409, body: { error: 'idempotency_key_conflict' } })
    // Keys are the caller's own: app-4 may use the same one.
    expect((await call('POST', '/zones/zone-1/sessions', { bearer: app4, body: {}, headers })).status).toBe(201)
    expect(delegations.list({ zoneId: 'zone-1', sessionId: a })).toHaveLength(1)

    // Once the edge is revoked, its creation is not replayed as if it stood.
    expect((await call('PATCH', `/zones/zone-1/delegations/${first.body.id as string}/revoke`, { bearer: app1, body: {} })).status).toBe(200)
    expect(await call('POST', '/zones/zone-1/delegations', { bearer: app1, body, headers })).toMatchObject({ status: 409, body: { error: 'idempotency_result_inactive' } })
    expect(delegations.list({ zoneId: 'zone-1', sessionId: a })).toHaveLength(1)
  })

  it('creates once when two requests race on one key (the later one replays or is told to retry), and takes over an abandoned key', async () => {
    const [a, b] = [(await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {} })).body.id as string, (await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {} })).body.id as string]
    const body = { source_session_id: a, target_session_id: b, resource: 'resource://files/read', scopes: ['files:read'], ttl_seconds: 600 }
    const answers = await Promise.all([1, 2, 3].map(() => call('POST', '/zones/zone-1/delegations', { bearer: app1, body, headers: { 'idempotency-key': 'race-1' } })))
    const created = answers.filter((x) => x.status === 201)
    expect(created.length).toBeGreaterThan(0)
    expect(new Set(created.map((x) => x.body.id)).size).toBe(1)
    for (const busy of answers.filter((x) => x.status !== 201)) {
      expect(busy).toMatchObject({ status: 409, body: { error: 'idempotency_key_conflict' } })
      expect(busy.headers.get('retry-after')).toBe('1')
    }
    expect(delegations.list({ zoneId: 'zone-1', sessionId: a })).toHaveLength(1)

    // A reservation left in flight by a process that died is taken over once it is old enough.
    const sha = createHash('sha256').update('{}').digest('hex')
    world.store.idempotencyKeys.reserve({ zoneId: 'zone-1', caller: 'app-1', key: 'abandoned-1', operation: 'create_session', requestSha256: sha, createdAt: Date.now() })
    const running = await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {}, headers: { 'idempotency-key': 'abandoned-1' } })
    expect(running).toMatchObject({ status: 409, body: { error_description: 'a request with this Idempotency-Key is still in progress; retry' } })
    world.store.idempotencyKeys.release({ zoneId: 'zone-1', caller: 'app-1', key: 'abandoned-1' })
    world.store.idempotencyKeys.reserve({ zoneId: 'zone-1', caller: 'app-1', key: 'abandoned-1', operation: 'create_session', requestSha256: sha, createdAt: Date.now() - 120_000 })
    const taken = await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {}, headers: { 'idempotency-key': 'abandoned-1' } })
    expect(taken.status).toBe(201)
    expect(world.store.idempotencyKeys.get({ zoneId: 'zone-1', caller: 'app-1', key: 'abandoned-1' })).toMatchObject({ responseStatus: 201 })
  })

  it('replays a started session, keeps no refused outcome, and refuses a malformed key', async () => {
    const headers = { 'idempotency-key': 'start-1' }
    const first = await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { ttl_seconds: 120 }, headers })
    const again = await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { ttl_seconds: 120 }, headers })
    expect(again).toMatchObject({ status: 201, body: { id: first.body.id } })

    const refused = { source_session_id: first.body.id, target_session_id: first.body.id, resource: 'resource://files/read', scopes: ['files:read'], ttl_seconds: 60 }
    for (let i = 0; i < 2; i++) {
      const answer = await call('POST', '/zones/zone-1/delegations', { bearer: app1, body: refused, headers: { 'idempotency-key': 'refused-1' } })
      expect(answer).toMatchObject({ status: 400, body: { error: 'self_delegation_denied' } })
      expect(answer.headers.get('idempotency-replayed')).toBeNull()
    }
    expect(world.store.idempotencyKeys.get({ zoneId: 'zone-1', caller: 'app-1', key: 'refused-1' })).toBeUndefined()

    for (const key of ['has space', 'x'.repeat(256), 'tab\tkey']) {
      expect(await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {}, headers: { 'idempotency-key': key } })).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    }

    // Once the session has ended, its start is not replayed as if it were live.
    expect((await call('POST', `/zones/zone-1/sessions/${first.body.id as string}/terminate`, { bearer: app1, body: {} })).status).toBe(200)
    expect(await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: { ttl_seconds: 120 }, headers })).toMatchObject({ status: 409, body: { error: 'idempotency_result_inactive' } })
  })
})

describe('operator routes of the admin API', () => {
  it('suspends and resumes a session', async () => {
    const session = (await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {} })).body
    expect(await admin('POST', `/v1/zones/zone-1/sessions/${session.id}/suspend`, { body: { reason: 'incident-7' } })).toMatchObject({ status: 200, body: { status: 'suspended', revoked_records: [] } })
    expect(await admin('POST', `/v1/zones/zone-1/sessions/${session.id}/resume`)).toMatchObject({ status: 200, body: { status: 'active' } })
    expect(await admin('POST', `/v1/zones/zone-1/sessions/${session.id}/resume`)).toMatchObject({ status: 409, body: { error: 'conflict' } })
  })

  it('creates a broad edge for a named issuer, lists it by session, and revokes it', async () => {
    const [a, b] = [(await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {} })).body.id as string, (await call('POST', '/zones/zone-1/sessions', { bearer: app1, body: {} })).body.id as string]
    const body = { source_session_id: a, target_session_id: b, scopes: ['files:read'], ttl_seconds: 600 }
    expect(await admin('POST', '/v1/zones/zone-1/delegations', { body })).toMatchObject({ status: 400, body: { error: 'invalid_body', details: { issues: [{ path: '$.issuer_application_id' }] } } })
    const created = await admin('POST', '/v1/zones/zone-1/delegations', { body: { ...body, issuer_application_id: 'app-1' }, headers: { 'x-request-id': 'admin-edge' } })
    expect(created).toMatchObject({ status: 201, body: { resource_id: null, issuer_application_id: 'app-1', receiver_application_id: 'app-1' } })
    expect(await auditOf('admin-edge')).toMatchObject([{ eventType: 'delegation_created', metadata: { broad: true } }])
    expect(await admin('POST', '/v1/zones/zone-1/delegations', { body: { ...body, issuer_application_id: 'app-2' } })).toMatchObject({ status: 404, body: { error: 'resource_not_found' } })

    const listed = await admin('GET', `/v1/zones/zone-1/delegations?session_id=${a}`)
    expect((listed.body.delegations as { id: string }[]).map((e) => e.id)).toEqual([created.body.id])
    const revoked = await admin('PATCH', `/v1/zones/zone-1/delegations/${created.body.id}/revoke`)
    expect(revoked).toMatchObject({ status: 200, body: { revoked: [created.body.id], terminated_sessions: [b] } })
    expect(delegations.get('zone-1', created.body.id as string)).toMatchObject({ status: 'revoked', revocationReason: 'revoked_by_operator' })
  })
})
