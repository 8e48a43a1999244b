// Drives the admin HTTP API over real HTTP on loopback, mounted by createApp beside the STS, on a
// real SQLite file with the committed policy: the admin token (missing, wrong, right; never in a
// response), every route's happy path, objects of another zone answered as absent, invalid bodies
// and queries with their issues, a real step-up hold opened by the STS, approved here and spent
// by the STS, a second decision refused, a termination that cascades to a child session, and the
// audit query and chain verification. It does not cover the CLI (test/integration/cli.test.ts).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import type { AdminServices } from '../../src/admin/index.js'
import { hashSecret, verifySecret } from '../../src/application/index.js'
import { Approvals } from '../../src/approvals/index.js'
import { AuditLog } from '../../src/audit/index.js'
import { KeyRing, sealedKeyPersistence } from '../../src/keys/index.js'
import { PolicyEngine } from '../../src/policy/index.js'
import { AgentSessions } from '../../src/sessions/index.js'
import type { Store } from '../../src/store/index.js'
import { AuthFailureLimiter, MintRateLimiter, TokenExchange } from '../../src/sts/index.js'
import { committedBundle } from '../helpers/policy.js'
import { ZONE_1_DATA } from '../helpers/sts-world.js'
import { tempStoreFactory } from '../helpers/store.js'

const TOKEN = 'test-only-admin-token-do-not-use-0123456789'
const APP_1_SECRET = 'cmcs_test-only-secret-of-app-1'
const AUDIT_KEY = Buffer.alloc(32, 7)
const stores = tempStoreFactory()

let store: Store
let services: AdminServices
let server: Server
let url: string
const serverErrors: unknown[] = []
/** Every response text and header block seen, to check that the token never comes back. */
const seen: string[] = []

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown> & { error?: string; details?: { issues: { path: string; message: string }[] } }
}

async function api(method: string, path: string, options: { body?: unknown; raw?: string; token?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> {
  const token = options.token === undefined ? TOKEN : options.token
  const headers: Record<string, string> = { ...(token !== null && { authorization: `Bearer ${token}` }), ...options.headers }
  let body: string | undefined
  if (options.raw !== undefined) body = options.raw
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined && { body }) })
  const text = await response.text()
  response.headers.forEach((value, name) => seen.push(`${name}: ${value}`))
  seen.push(text)
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} }
}

async function stsToken(form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/oauth/2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

beforeAll(async () => {
  store = stores.open()
  const now = Date.now()
  for (const zone of ['zone-1', 'zone-2']) store.zones.create({ id: zone, name: zone, createdAt: now })
  for (const [id, zoneId] of [['app-1', 'zone-1'], ['app-2', 'zone-2']] as const) {
    store.applications.create({ id, zoneId, name: id, registrationMethod: 'managed', secretHash: await hashSecret(APP_1_SECRET), status: 'active', createdAt: now, updatedAt: now })
  }
  store.resources.register('zone-1', 'resource://files/read', ['files:read'], 'res-files-read', now)
  store.resources.register('zone-1', 'resource://files/write', ['files:write'], 'res-files-write', now)
  const policy = new PolicyEngine({ bundle: await committedBundle() })
  policy.activate('zone-1', ZONE_1_DATA)
  const audit = new AuditLog(store.auditEvents, { hmacKey: AUDIT_KEY })
  const keys = new KeyRing(sealedKeyPersistence(store.signingKeys, Buffer.alloc(32, 6)))
  const sessions = new AgentSessions({ store, audit })
  const approvals = new Approvals({ store, audit })
  services = { store, keys, audit, sessions, approvals, secrets: { auditHmacKey: AUDIT_KEY } }

  server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const exchange = new TokenExchange({ issuer: url, store, keys, policy, audit, failures: new AuthFailureLimiter(), mintRate: new MintRateLimiter(), sessions, approvals })
  server.on('request', createApp({ sts: { exchange, keys }, admin: { services, token: TOKEN, onError: (error) => serverErrors.push(error) } }))
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await services.audit.flushed()
})

describe('admin API authentication', () => {
  it('answers a request without a token 401 invalid_token with the admin realm, echoing the request id', async () => {
    const answer = await api('GET', '/v1/zones', { token: null, headers: { 'x-request-id': 'admin-req-1' } })
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="caracal-mcp-admin"')
    expect(answer.headers.get('x-request-id')).toBe('admin-req-1')
    expect(answer.headers.get('cache-control')).toBe('no-store')
    expect(answer.body).toEqual({ error: 'invalid_token', error_description: expect.any(String), requestId: 'admin-req-1' })
  })

  it.each([
    ['a wrong token', { authorization: 'Bearer test-only-wrong-admin-token-0123456789' }],
    ['a token one character short', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['another scheme', { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('refuses %s with 401', async (_what, headers) => {
    const answer = await api('GET', '/v1/zones', { token: null, headers })
    expect(answer.status).toBe(401)
    expect(answer.body.error).toBe('invalid_token')
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="caracal-mcp-admin"')
  })

  it('authenticates before anything else: unknown routes, zones and bad bodies are 401 without the token', async () => {
    expect((await api('GET', '/v1/nothing-here', { token: null })).status).toBe(401)
    expect((await api('GET', '/v1/zones/zone-9/sessions', { token: null })).status).toBe(401)
    expect((await api('POST', '/v1/zones/zone-1/sessions', { token: null, raw: '{not json', headers: { 'content-type': 'application/json' } })).status).toBe(401)
  })

  it('serves the right token, and leaves the STS routes to the STS', async () => {
    const answer = await api('GET', '/v1/zones')
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({ zones: [{ id: 'zone-1', name: 'zone-1', created_at: expect.any(String) }, { id: 'zone-2', name: 'zone-2', created_at: expect.any(String) }] })
    expect((await fetch(`${url}/.well-known/jwks.json`)).status).toBe(400)
  })
})

describe('admin API routing and bodies', () => {
  it('answers unknown routes, zones and malformed zone ids 404 resource_not_found', async () => {
    for (const path of ['/v1/nothing-here', '/v1/zones/zone-9/sessions', '/v1/zones/-bad/sessions', `/v1/zones/${'z'.repeat(65)}/applications`, '/v1/zones/zone-1/unknown']) {
      const answer = await api('GET', path, { headers: { 'x-request-id': 'req-404' } })
      expect(answer.status, path).toBe(404)
      expect(answer.body).toEqual({ error: 'resource_not_found', error_description: expect.any(String), requestId: 'req-404' })
    }
  })

  it('names every failed field of a body in details.issues', async () => {
    const answer = await api('POST', '/v1/zones/zone-1/applications', { body: { name: '', registration_method: 'oidc', colour: 'red' } })
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({ error: 'invalid_body', error_description: expect.any(String), requestId: expect.any(String) })
    expect(answer.body.details!.issues.map((i) => i.path).sort()).toEqual(['$', '$.name', '$.registration_method'])
    expect(answer.body.details!.issues.find((i) => i.path === '$')!.message).toContain('colour')
  })

  it('refuses malformed JSON, JSON that is not an object, a body of another type and a body over 64 KiB', async () => {
    const json = { 'content-type': 'application/json' }
    const malformed = await api('POST', '/v1/zones/zone-1/resources', { raw: '{"identifier":', headers: json })
    expect(malformed).toMatchObject({ status: 400, body: { error: 'invalid_body', details: { issues: [{ path: '$' }] } } })
    expect((await api('POST', '/v1/zones/zone-1/resources', { raw: '"a string"', headers: json })).body.error).toBe('invalid_body')
    expect((await api('POST', '/v1/zones/zone-1/resources', { raw: '[1]', headers: json })).body.error).toBe('invalid_body')
    const form = await api('POST', '/v1/zones/zone-1/resources', { raw: 'identifier=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(form).toMatchObject({ status: 415, body: { error: 'invalid_request' } })
    const large = await api('POST', '/v1/zones/zone-1/resources', { body: { identifier: 'resource://x', scopes: ['a'], pad: 'a'.repeat(70_000) } })
    expect(large).toMatchObject({ status: 413, body: { error: 'payload_too_large' } })
  })

  it('answers an unexpected failure 500 internal_error without details, and logs it', async () => {
    const broken = createServer(
      createApp({
        sts: { exchange: new TokenExchange({ issuer: url, store, keys: services.keys, policy: new PolicyEngine({ bundle: await committedBundle() }), audit: services.audit, failures: new AuthFailureLimiter(), mintRate: new MintRateLimiter() }), keys: services.keys },
        admin: {
          services: { ...services, store: Object.create(store, { zones: { value: { list: () => { throw new Error('disk on fire at /var/secret/path') } } } }) as Store },
          token: TOKEN,
          onError: (error) => serverErrors.push(error),
        },
      }),
    )
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve))
    try {
      const response = await fetch(`http://127.0.0.1:${(broken.address() as AddressInfo).port}/v1/zones`, { headers: { authorization: `Bearer ${TOKEN}`, 'x-request-id': 'req-500' } })
      const text = await response.text()
      expect(response.status).toBe(500)
      expect(JSON.parse(text)).toEqual({ error: 'internal_error', error_description: 'internal error', requestId: 'req-500' })
      expect(text).not.toContain('disk on fire')
      expect(serverErrors.some((e) => (e as Error).message?.includes('disk on fire'))).toBe(true)
    } finally {
      await new Promise<void>((resolve) => broken.close(() => resolve()))
    }
  })
})

describe('applications, resources and signing keys', () => {
  it('creates an application, shows its secret once, lists it without secret, rotates and disables it', async () => {
    const created = await api('POST', '/v1/zones/zone-1/applications', { body: { name: 'Reporting agent', id: 'reporting', registration_method: 'dcr' } })
    expect(created.status).toBe(201)
    expect(created.body).toEqual({ application_id: 'reporting', client_secret: expect.stringMatching(/^cmcs_/) })
    const secret = created.body.client_secret as string
    expect(await verifySecret(secret, store.applications.get('reporting')!.secretHash)).toBe(true)

    const listed = await api('GET', '/v1/zones/zone-1/applications')
    expect(listed.body.applications).toContainEqual({ id: 'reporting', zone_id: 'zone-1', name: 'Reporting agent', registration_method: 'dcr', status: 'active', created_at: expect.any(String), updated_at: expect.any(String) })
    expect(JSON.stringify(listed.body)).not.toMatch(/secret|hash|\$/i)

    const rotated = await api('POST', '/v1/zones/zone-1/applications/reporting/rotate-secret')
    expect(rotated.status).toBe(200)
    expect(rotated.body).toEqual({ client_secret: expect.stringMatching(/^cmcs_/) })
    expect(await verifySecret(secret, store.applications.get('reporting')!.secretHash)).toBe(false)
    expect(await verifySecret(rotated.body.client_secret as string, store.applications.get('reporting')!.secretHash)).toBe(true)

    const live = await services.sessions.start({ zoneId: 'zone-1', applicationId: 'reporting', requestId: 'r-live', startedBy: 'test' })
    const disabled = await api('POST', '/v1/zones/zone-1/applications/reporting/disable', { body: {} })
    expect(disabled).toMatchObject({ status: 200, body: { id: 'reporting', status: 'disabled', terminated_sessions: [live.id] } })
    // Its live sessions end with it: every mandate bound to one stops verifying now.
    expect(store.agentSessions.get(live.id)).toMatchObject({ status: 'terminated', terminationReason: 'application_disabled' })
    expect(store.revocations.get(live.id, Date.now())).toBeDefined()
    const types = store.db.prepare("SELECT event_type AS t FROM audit_events WHERE metadata_json LIKE '%\"reporting\"%' ORDER BY chain_seq").all() as { t: string }[]
    expect(types.map((r) => r.t)).toEqual(['application_created', 'application_secret_rotated', 'session_started', 'application_disabled', 'session_terminated', 'revocation'])
  })

  it('creates an application with a generated id, and refuses an id that exists (409 conflict)', async () => {
    const created = await api('POST', '/v1/zones/zone-1/applications', { body: { name: 'Generated' } })
    expect(created.body.application_id).toMatch(/^[0-9a-f-]{36}$/)
    const again = await api('POST', '/v1/zones/zone-2/applications', { body: { name: 'Clash', id: 'app-1' } })
    expect(again).toMatchObject({ status: 409, body: { error: 'conflict', error_description: 'application app-1 already exists' } })
  })

  it('answers 404 for an application of another zone and leaves it alone', async () => {
    for (const action of ['disable', 'rotate-secret']) {
      const answer = await api('POST', `/v1/zones/zone-1/applications/app-2/${action}`)
      expect(answer).toMatchObject({ status: 404, body: { error: 'resource_not_found' } })
    }
    expect(store.applications.get('app-2')).toMatchObject({ status: 'active' })
    expect(await verifySecret(APP_1_SECRET, store.applications.get('app-2')!.secretHash)).toBe(true)
    expect((await api('POST', '/v1/zones/zone-1/applications/nobody/disable')).status).toBe(404)
  })

  it('registers a resource (201), re-registers it (200) and lists it; refuses scopes with whitespace', async () => {
    const first = await api('POST', '/v1/zones/zone-1/resources', { body: { identifier: 'resource://mail/send', scopes: ['mail:send'] } })
    expect(first).toMatchObject({ status: 201, body: { identifier: 'resource://mail/send', zone_id: 'zone-1', scopes: ['mail:send'] } })
    const again = await api('POST', '/v1/zones/zone-1/resources', { body: { identifier: 'resource://mail/send', scopes: ['mail:send', 'mail:draft'] } })
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id, scopes: ['mail:draft', 'mail:send'] } })
    const listed = await api('GET', '/v1/zones/zone-1/resources')
    expect((listed.body.resources as { identifier: string }[]).map((r) => r.identifier)).toEqual(['resource://files/read', 'resource://files/write', 'resource://mail/send'])
    expect((await api('GET', '/v1/zones/zone-2/resources')).body).toEqual({ resources: [] })
    const bad = await api('POST', '/v1/zones/zone-1/resources', { body: { identifier: 'resource://mail/send', scopes: ['mail send', ''] } })
    expect(bad.status).toBe(400)
    expect([...new Set(bad.body.details!.issues.map((i) => i.path))]).toEqual(['$.scopes[0]', '$.scopes[1]'])
  })

  it('rotates a zone signing key, audited key_rotated under the request id', async () => {
    const answer = await api('POST', '/v1/zones/zone-1/signing-key/rotate', { headers: { 'x-request-id': 'req-rotate' } })
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({ kid: expect.any(String), previous_kid: expect.any(String) })
    expect(answer.body.kid).not.toBe(answer.body.previous_kid)
    await services.audit.flushed()
    expect(store.auditEvents.byRequestId('req-rotate')).toMatchObject([{ eventType: 'key_rotated', zoneId: 'zone-1' }])
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json?zone_id=zone-1`)).json()) as { keys: { kid: string }[] }
    expect(jwks.keys.map((k) => k.kid)).toEqual([answer.body.kid, answer.body.previous_kid])
  })
})

describe('agent sessions', () => {
  it('starts a task session (201) with its JSON, reads it and lists it by application and status', async () => {
    const started = await api('POST', '/v1/zones/zone-1/sessions', { body: { application_id: 'app-1', ttl_seconds: 600, labels: ['app-1', 'reviewer'] }, headers: { 'x-request-id': 'req-start' } })
    expect(started.status).toBe(201)
    const s = started.body
    expect(s).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), zone_id: 'zone-1', application_id: 'app-1', parent_session_id: null, lifecycle: 'task', labels: ['app-1', 'reviewer'], status: 'active',
      started_at: expect.any(String), expires_at: expect.any(String), ttl_seconds: 600, heartbeat_seconds: null, terminated_at: null, termination_reason: null,
    })
    expect(Date.parse(s.expires_at as string) - Date.parse(s.started_at as string)).toBe(600_000)
    await services.audit.flushed()
    expect(store.auditEvents.byRequestId('req-start')).toMatchObject([{ eventType: 'session_started' }])
    expect(JSON.parse(store.auditEvents.byRequestId('req-start')[0]!.metadataJson)).toMatchObject({ started_by: 'admin' })

    expect(await api('GET', `/v1/zones/zone-1/sessions/${s.id}`)).toMatchObject({ status: 200, body: { id: s.id } })
    const listed = await api('GET', '/v1/zones/zone-1/sessions?application_id=app-1&status=active&limit=50')
    expect((listed.body.sessions as { id: string }[]).map((x) => x.id)).toContain(s.id)
    expect((await api('GET', '/v1/zones/zone-1/sessions?status=terminated')).body.sessions).not.toContainEqual(expect.objectContaining({ id: s.id }))
  })

  it('keeps a service session alive with heartbeats; a task session has none', async () => {
    const service = await api('POST', '/v1/zones/zone-1/sessions', { body: { application_id: 'app-1', lifecycle: 'service', heartbeat_seconds: 30 } })
    expect(service.body).toMatchObject({ lifecycle: 'service', heartbeat_seconds: 30, ttl_seconds: null })
    const beat = await api('POST', `/v1/zones/zone-1/sessions/${service.body.id}/heartbeat`)
    expect(beat.status).toBe(200)
    expect(Date.parse(beat.body.expires_at as string)).toBeGreaterThanOrEqual(Date.parse(service.body.expires_at as string))
    const task = await api('POST', '/v1/zones/zone-1/sessions', { body: { application_id: 'app-1' } })
    expect(task.body).toMatchObject({ lifecycle: 'task', ttl_seconds: 3600, labels: ['app-1'] })
    expect(await api('POST', `/v1/zones/zone-1/sessions/${task.body.id}/heartbeat`)).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    await api('POST', `/v1/zones/zone-1/sessions/${service.body.id}/terminate`)
    expect(await api('POST', `/v1/zones/zone-1/sessions/${service.body.id}/heartbeat`)).toMatchObject({ status: 409, body: { error: 'conflict' } })
  })

  it('terminates a session and its child, revoking both, and a second termination ends nothing', async () => {
    const parent = (await api('POST', '/v1/zones/zone-1/sessions', { body: { application_id: 'app-1' } })).body
    const child = store.agentSessions.create({
      id: 'child-of-admin-session', zoneId: 'zone-1', applicationId: 'app-1', parentSessionId: parent.id as string, subjectRecordId: null, depth: 1, lifecycle: 'task', labels: ['app-1'],
      authority: 'full', authorityScopes: null, authorityResources: null,
      status: 'active', startedAt: Date.now(), ttlSeconds: 600, heartbeatSeconds: null, heartbeatDeadline: null, terminatedAt: null, terminationReason: null,
    })
    const ended = await api('POST', `/v1/zones/zone-1/sessions/${parent.id}/terminate`, { body: { reason: 'incident-42' }, headers: { 'x-request-id': 'req-terminate' } })
    expect(ended.status).toBe(200)
    expect([...(ended.body.terminated as string[])].sort()).toEqual([parent.id as string, child.id].sort())
    expect((await api('GET', `/v1/zones/zone-1/sessions/${child.id}`)).body).toMatchObject({ status: 'terminated', termination_reason: 'parent_terminated', terminated_at: expect.any(String) })
    expect((await api('GET', `/v1/zones/zone-1/sessions/${parent.id}`)).body).toMatchObject({ status: 'terminated', termination_reason: 'incident-42' })
    for (const id of [parent.id as string, child.id]) expect(store.revocations.get(id, Date.now())).toMatchObject({ kind: 'agent_session' })
    await services.audit.flushed()
    expect(store.auditEvents.byRequestId('req-terminate').map((r) => r.eventType)).toEqual(['session_terminated', 'session_terminated'])
    expect((await api('POST', `/v1/zones/zone-1/sessions/${parent.id}/terminate`)).body).toEqual({ terminated: [] })
  })

  it('defaults the termination reason to terminated_by_operator', async () => {
    const session = (await api('POST', '/v1/zones/zone-1/sessions', { body: { application_id: 'app-1' } })).body
    await api('POST', `/v1/zones/zone-1/sessions/${session.id}/terminate`)
    expect((await api('GET', `/v1/zones/zone-1/sessions/${session.id}`)).body.termination_reason).toBe('terminated_by_operator')
  })

  it('answers 404 for a session or application of another zone', async () => {
    const other = await api('POST', '/v1/zones/zone-2/sessions', { body: { application_id: 'app-2' } })
    expect(other.status).toBe(201)
    for (const [method, path] of [['GET', ''], ['POST', '/heartbeat'], ['POST', '/terminate']] as const) {
      expect(await api(method, `/v1/zones/zone-1/sessions/${other.body.id}${path}`)).toMatchObject({ status: 404, body: { error: 'resource_not_found' } })
    }
    expect((await api('GET', `/v1/zones/zone-2/sessions/${other.body.id}`)).body.status).toBe('active')
    expect(await api('POST', '/v1/zones/zone-1/sessions', { body: { application_id: 'app-2' } })).toMatchObject({ status: 404, body: { error: 'resource_not_found' } })
  })

  it('refuses bodies and queries out of bounds, naming the fields', async () => {
    const bad = await api('POST', '/v1/zones/zone-1/sessions', { body: { application_id: 'app-1', ttl_seconds: 0, labels: ['has space'], lifecycle: 'forever' } })
    expect(bad.status).toBe(400)
    expect(bad.body.details!.issues.map((i) => i.path).sort()).toEqual(['$.labels[0]', '$.lifecycle', '$.ttl_seconds'])
    const mixed = await api('POST', '/v1/zones/zone-1/sessions', { body: { application_id: 'app-1', lifecycle: 'task', heartbeat_seconds: 30 } })
    expect(mixed).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'a task session has a TTL, not a heartbeat' } })
    const query = await api('GET', '/v1/zones/zone-1/sessions?status=sleeping&limit=0')
    expect(query).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    expect(query.body.details!.issues.map((i) => i.path).sort()).toEqual(['$.limit', '$.status'])
    expect((await api('POST', '/v1/zones/zone-1/sessions/x/terminate', { body: { reason: 'r'.repeat(501) } })).body.error).toBe('invalid_body')
  })
})

describe('approvals', () => {
  const requirement = { tier: 'high', approver: 'operator' as const, privacy: 'identified' as const, ttlSeconds: 900 }
  const hold = (id: string, binding: string) => ({ id, zoneId: 'zone-1', applicationId: 'app-1', subject: 'app-1', subjectType: 'application' as const, binding, requirement, resources: ['resource://files/write'], scopes: ['files:write'], requestId: `open-${id}` })

  it('approves a hold the STS opened; the STS then mints once; a second decision is 409 conflict', async () => {
    const session = (await api('POST', '/v1/zones/zone-1/sessions', { body: { application_id: 'app-1' } })).body
    const form = { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: 'zone-1', application_id: 'app-1', client_secret: APP_1_SECRET, agent_session_id: session.id as string, resource: 'resource://files/write', scope: 'files:write' }
    const held = await stsToken(form)
    expect(held).toMatchObject({ status: 401, body: { error: 'interaction_required' } })
    const approvalId = held.body.approval_id as string

    const pending = await api('GET', '/v1/zones/zone-1/approvals?state=pending')
    expect(pending.body.approvals).toContainEqual({
      id: approvalId, state: 'pending', tier: 'high', approver_class: 'operator', resources: ['resource://files/write'], scopes: ['files:write'], application_id: 'app-1',
      agent_session_id: session.id, expires_at: expect.any(String), decided_at: null, decided_by: null,
    })

    const approved = await api('POST', `/v1/zones/zone-1/approvals/${approvalId}/approve`, { body: { reason: 'change ticket 7' }, headers: { 'x-request-id': 'req-approve' } })
    expect(approved).toMatchObject({ status: 200, body: { id: approvalId, state: 'approved', decided_by: 'operator:admin-api', decided_at: expect.any(String) } })
    await services.audit.flushed()
    expect(store.auditEvents.byRequestId('req-approve')).toMatchObject([{ eventType: 'step_up_decided', decision: 'approved' }])

    for (const verb of ['approve', 'reject']) {
      expect(await api('POST', `/v1/zones/zone-1/approvals/${approvalId}/${verb}`)).toMatchObject({ status: 409, body: { error: 'conflict' } })
    }
    const minted = await stsToken({ ...form, approval_id: approvalId })
    expect(minted.status, JSON.stringify(minted.body)).toBe(200)
    expect((await api('GET', '/v1/zones/zone-1/approvals?state=consumed')).body.approvals).toContainEqual(expect.objectContaining({ id: approvalId, state: 'consumed' }))
  })

  it('rejects a pending hold with a reason', async () => {
    const row = await services.approvals.open(hold('0190a000-0000-7000-8000-0000000000a1', 'b'.repeat(64)))
    const rejected = await api('POST', `/v1/zones/zone-1/approvals/${row.id}/reject`, { body: { reason: 'not during the freeze' } })
    expect(rejected).toMatchObject({ status: 200, body: { state: 'rejected', decided_by: 'operator:admin-api' } })
    expect(store.approvals.get(row.id)).toMatchObject({ decisionReason: 'not during the freeze' })
    expect((await api('GET', '/v1/zones/zone-1/approvals?state=rejected')).body.approvals).toContainEqual(expect.objectContaining({ id: row.id }))
  })

  it('lists a pending hold past its expiry as expired, and will not decide it', async () => {
    const past = new Approvals({ store, audit: services.audit, now: () => Date.now() - 3_600_000 })
    const row = await past.open({ ...hold('0190a000-0000-7000-8000-0000000000a2', 'c'.repeat(64)), requirement: { ...requirement, ttlSeconds: 60 } })
    expect(store.approvals.get(row.id)!.state).toBe('pending')
    expect((await api('GET', '/v1/zones/zone-1/approvals?state=expired')).body.approvals).toContainEqual(expect.objectContaining({ id: row.id, state: 'expired' }))
    expect((await api('GET', '/v1/zones/zone-1/approvals?state=pending')).body.approvals).not.toContainEqual(expect.objectContaining({ id: row.id }))
    expect((await api('GET', '/v1/zones/zone-1/approvals')).body.approvals).toContainEqual(expect.objectContaining({ id: row.id, state: 'expired' }))
    expect(await api('POST', `/v1/zones/zone-1/approvals/${row.id}/approve`)).toMatchObject({ status: 409, body: { error: 'conflict' } })
  })

  it('answers 404 for a hold of another zone or none, and 403 for a hold its subject must decide', async () => {
    const row = await services.approvals.open(hold('0190a000-0000-7000-8000-0000000000a3', 'd'.repeat(64)))
    expect(await api('POST', `/v1/zones/zone-2/approvals/${row.id}/approve`)).toMatchObject({ status: 404, body: { error: 'resource_not_found' } })
    expect((await api('GET', '/v1/zones/zone-2/approvals')).body).toEqual({ approvals: [] })
    expect((await api('POST', '/v1/zones/zone-1/approvals/not-a-hold/approve')).status).toBe(404)
    const subjects = await services.approvals.open({ ...hold('0190a000-0000-7000-8000-0000000000a4', 'e'.repeat(64)), requirement: { ...requirement, approver: 'subject' } })
    expect(await api('POST', `/v1/zones/zone-1/approvals/${subjects.id}/approve`)).toMatchObject({ status: 403, body: { error: 'access_denied' } })
    expect(store.approvals.get(subjects.id)!.state).toBe('pending')
  })

  it('refuses a reason over 500 characters and an unknown state', async () => {
    const row = await services.approvals.open(hold('0190a000-0000-7000-8000-0000000000a5', 'f'.repeat(64)))
    const long = await api('POST', `/v1/zones/zone-1/approvals/${row.id}/approve`, { body: { reason: 'r'.repeat(501) } })
    expect(long).toMatchObject({ status: 400, body: { error: 'invalid_body', details: { issues: [{ path: '$.reason' }] } } })
    expect(store.approvals.get(row.id)!.state).toBe('pending')
    expect((await api('GET', '/v1/zones/zone-1/approvals?state=maybe')).status).toBe(400)
  })
})

describe('revocation of authority records', () => {
  it('revokes every record of a subject (a grant ended) and names exactly one target', async () => {
    const now = Date.now()
    for (const id of ['rec-user-1', 'rec-user-2']) {
      store.authorityRecords.create({ id, zoneId: 'zone-1', applicationId: 'app-1', subject: 'user-ada', subType: 'user', parentId: null, rootId: id, use: 'session', status: 'active', createdAt: now, expiresAt: now + 600_000 })
    }
    const revoked = await api('POST', '/v1/zones/zone-1/revocations', { body: { subject: 'user-ada' } })
    expect(revoked).toMatchObject({ status: 200, body: { revoked_records: ['rec-user-1', 'rec-user-2'] } })
    expect(store.revocations.get('rec-user-1', Date.now())).toMatchObject({ kind: 'authority_record', reason: 'grant_revoked' })
    expect((await api('POST', '/v1/zones/zone-1/revocations', { body: { subject: 'a', record: 'b' } })).status).toBe(400)
    expect(await api('POST', '/v1/zones/zone-1/revocations', { body: { record: 'no-such-record' } })).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
  })
})

describe('audit', () => {
  it('queries a zone\'s events newest first, one request\'s or the latest, with metadata parsed', async () => {
    await services.audit.flushed()
    const byRequest = await api('GET', '/v1/zones/zone-1/audit?request_id=req-rotate')
    expect(byRequest.body.events).toEqual([expect.objectContaining({ event_type: 'key_rotated', request_id: 'req-rotate', zone_id: 'zone-1', metadata: { kid: expect.any(String), previous_kid: expect.any(String) } })])
    expect((await api('GET', '/v1/zones/zone-2/audit?request_id=req-rotate')).body).toEqual({ events: [], next_before_seq: null })
    const latest = (await api('GET', '/v1/zones/zone-1/audit?limit=3')).body.events as { chain_seq: number }[]
    expect(latest).toHaveLength(3)
    expect(latest[0]!.chain_seq).toBeGreaterThan(latest[1]!.chain_seq)
    expect(latest[1]!.chain_seq).toBeGreaterThan(latest[2]!.chain_seq)
    expect((await api('GET', '/v1/zones/zone-1/audit?limit=100000')).status).toBe(400)
  })

  it('pages a zone\'s events with before_seq, naming the next page\'s, and refuses a before_seq that is not a chain_seq', async () => {
    await services.audit.flushed()
    const first = (await api('GET', '/v1/zones/zone-1/audit?limit=2')).body as { events: { chain_seq: number }[]; next_before_seq: number | null }
    expect(first.next_before_seq).toBe(first.events[1]!.chain_seq)
    const second = (await api('GET', `/v1/zones/zone-1/audit?limit=2&before_seq=${first.next_before_seq}`)).body as { events: { chain_seq: number }[]; next_before_seq: number | null }
    expect(second.events.map((e) => e.chain_seq)).toEqual([first.next_before_seq! - 1, first.next_before_seq! - 2])
    expect((await api('GET', '/v1/zones/zone-1/audit?limit=5&before_seq=2')).body).toMatchObject({ events: [{ chain_seq: 1 }], next_before_seq: null })
    for (const bad of ['0', '-1', '1.5', 'abc', '01', '99999999999999999']) {
      const answer = await api('GET', `/v1/zones/zone-1/audit?before_seq=${bad}`)
      expect(answer, bad).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    }
  })

  it('verifies a zone\'s chain, and names the first broken row after tampering', async () => {
    const intact = await api('GET', '/v1/zones/zone-1/audit/verify')
    const head = store.auditEvents.last('zone-1')!
    expect(intact.body).toEqual({ ok: true, rows: expect.any(Number), head: { chain_seq: head.chainSeq, content_sha256: head.contentSha256 } })
    expect(intact.body.rows).toBeGreaterThan(5)
    for (let i = 0; i < 3; i++) await services.audit.record({ zoneId: 'zone-2', eventType: 'token_exchange', requestId: `z2-${i}`, decision: 'allow', evaluationStatus: 'complete' })
    await services.audit.flushed()
    const before = (await api('GET', '/v1/zones/zone-2/audit/verify')).body
    const db = new Database(stores.path('db-0.sqlite'))
    db.exec("DROP TRIGGER audit_events_no_update; UPDATE audit_events SET decision = 'deny' WHERE zone_id = 'zone-2' AND request_id = 'z2-1'")
    db.close()
    const seq = store.auditEvents.byRequestId('z2-1')[0]!.chainSeq
    const broken = await api('GET', '/v1/zones/zone-2/audit/verify')
    expect(broken.status).toBe(200)
    const last = store.auditEvents.last('zone-2')!
    expect(broken.body).toEqual({ ok: false, rows: last.chainSeq, head: { chain_seq: last.chainSeq, content_sha256: last.contentSha256 }, first_broken: { chain_seq: seq, id: expect.any(String), reason: 'content_hash_mismatch' } })
    expect(before).toMatchObject({ ok: true })
    expect((await api('GET', '/v1/zones/zone-1/audit/verify')).body).toMatchObject({ ok: true })
  })
})

describe('the admin token', () => {
  it('never appears in a response body or header of this file\'s requests', () => {
    expect(seen.length).toBeGreaterThan(100)
    expect(seen.filter((text) => text.includes(TOKEN))).toEqual([])
  })
})
