// The exchange classes beyond bootstrap, end to end on the real STS (HTTP on loopback, SQLite,
// the committed policy wasm): agent mandates, the in-process resource exchange our proxy makes,
// client_credentials, what a presented mandate may and may not do, and how ending a session —
// from this process or another one on the same database — stops every exchange under it.
import { createHmac, generateKeyPairSync, sign } from 'node:crypto'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgentSessions } from '../../src/sessions/index.js'
import { InMemoryRevocationStore, REQUIRED_CLAIMS, authenticateMandate, mintMandate } from '../../src/mandate/index.js'
import { openStore } from '../../src/store/index.js'
import { encodeForm, startStsWorld, TEST_SECRETS, WORLD_IDS, type StsWorld } from '../helpers/sts-world.js'
import { AuditLog } from '../../src/audit/index.js'
import { SessionReferenceError } from '../../src/sts/errors.js'

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token'

let world: StsWorld
beforeAll(async () => {
  world = await startStsWorld()
})
afterAll(() => world.close())

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
}

const count = (table: string) => (world.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n

async function post(fields: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${world.url}/oauth/2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: encodeForm(Object.entries(fields)),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function startSession(applicationId = 'app-1', extra: Partial<Parameters<AgentSessions['start']>[0]> = {}) {
  return world.exchange.sessions.start({ zoneId: 'zone-1', applicationId, requestId: 'req-start', startedBy: 'test', ...extra })
}

async function agentMandate(sessionId: string, ttl?: number): Promise<string> {
  const { status, body } = await post({
    grant_type: EXCHANGE, zone_id: 'zone-1', application_id: 'app-1', client_secret: '@secret:app-1', agent_session_id: sessionId, ...(ttl && { ttl_seconds: String(ttl) }),
  })
  expect(status, JSON.stringify(body)).toBe(200)
  return body.access_token as string
}

function resourceExchange(subjectToken: string, resource = 'resource://files/read', scopes = ['files:read'], requestId = 'req-resource') {
  return world.exchange.exchangeForResource({ subjectToken, resource, scopes }, requestId)
}

/** A zone-1 claim set signed by another zone's key (its own kid): a foreign key, not a zone-1 one. */
function signedWith(zone: string, claims: Record<string, unknown>): string {
  const key = world.keys.signingKey(zone)
  const input = `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: key.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  return `${input}.${sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

describe('the agent mandate', () => {
  it('is a use=session mandate for the issuer, bound to the session, with no resource authority', async () => {
    const session = await startSession()
    const token = await agentMandate(session.id)
    const claims = payloadOf(token)
    expect(claims).toMatchObject({ use: 'session', aud: [world.issuer], sub: 'app-1', sub_type: 'application', client_id: 'app-1', agent_session_id: session.id })
    expect(claims).not.toHaveProperty('scope')
    expect(claims).not.toHaveProperty('target')
    const verified = await authenticateMandate(token, { issuer: world.issuer, audience: world.issuer, zoneId: 'zone-1', requiredUse: 'session', requireSession: true }, { keys: world.keys, revocations: new InMemoryRevocationStore() })
    expect(verified.ok).toBe(true)
  })

  it('never outlives a task session', async () => {
    const session = await startSession('app-1', { ttlSeconds: 120 })
    const claims = payloadOf(await agentMandate(session.id, 3600))
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(120)
  })
})

describe('the resource exchange our proxy makes in-process', () => {
  it('turns an agent mandate into a resource mandate for one tool group, decided by the session labels', async () => {
    const session = await startSession()
    const agent = await agentMandate(session.id)
    const response = await resourceExchange(agent)
    expect(response).toMatchObject({ token_type: 'Bearer', scope: 'files:read', target_resources: ['resource://files/read'] })
    const claims = payloadOf(response.access_token)
    const parent = payloadOf(agent)
    expect(claims).toMatchObject({ use: 'resource', aud: ['resource://files/read'], target: ['resource://files/read'], scope: 'files:read', agent_session_id: session.id, root_sid: parent.root_sid })
    expect(claims.sid).not.toBe(parent.sid)
    expect(world.store.authorityRecords.get(claims.sid as string)).toMatchObject({ parentId: parent.sid, use: 'resource' })
  })

  it('is verified by plain jose configured as Caracal\'s verifier, against our JWKS over HTTP', async () => {
    const agent = await agentMandate((await startSession()).id)
    const { access_token } = await resourceExchange(agent)
    const jwks = createRemoteJWKSet(new URL(`${world.issuer}/.well-known/jwks.json?zone_id=zone-1`))
    const { payload } = await jwtVerify(access_token, jwks, { algorithms: ['ES256'], issuer: world.issuer, audience: 'resource://files/read', clockTolerance: 60, requiredClaims: [...REQUIRED_CLAIMS] })
    expect(payload.use).toBe('resource')
    const ours = await authenticateMandate(access_token, { issuer: world.issuer, audience: 'resource://files/read', zoneId: 'zone-1', requiredScopes: ['files:read'], requiredTargets: ['resource://files/read'], requireSession: true }, { keys: world.keys, revocations: new InMemoryRevocationStore() })
    expect(ours.ok).toBe(true)
  })

  it('never outlives the agent mandate it was exchanged from, and refuses a TTL over 15 minutes', async () => {
    const agent = await agentMandate((await startSession()).id, 90)
    const { expires_in } = await resourceExchange(agent)
    expect(expires_in).toBeLessThanOrEqual(90)
    await expect(world.exchange.exchangeForResource({ subjectToken: agent, resource: 'resource://files/read', scopes: ['files:read'], ttlSeconds: 901 }, 'req-ttl')).rejects.toMatchObject({ status: 400, wireCode: 'invalid_token' })
  })

  it('denies scopes outside the resource, resources outside the role, and a bootstrap mandate as subject', async () => {
    const agent = await agentMandate((await startSession()).id)
    await expect(resourceExchange(agent, 'resource://files/read', ['files:write'])).rejects.toMatchObject({ status: 403, wireCode: 'access_denied' })
    await expect(resourceExchange(agent, 'resource://billing/ledger', ['billing:read'])).rejects.toMatchObject({ status: 403, message: 'policy denied (resource_not_granted)' })
    const bootstrap = await post({ grant_type: EXCHANGE, zone_id: 'zone-1', application_id: 'app-1', client_secret: '@secret:app-1', resource: 'resource://caracal/lifecycle', scope: 'agent:lifecycle' })
    await expect(resourceExchange(bootstrap.body.access_token as string)).rejects.toMatchObject({ status: 403, message: expect.stringContaining('agent session') })
  })

  it('refuses hostile subject tokens with 401 invalid subject_token and changes nothing', async () => {
    const agent = await agentMandate((await startSession()).id)
    const [h, p, s] = agent.split('.') as [string, string, string]
    const claims = payloadOf(agent)
    const reSigned = (c: Record<string, unknown>) => mintMandate(c as never, world.keys.signingKey('zone-1'))
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const hsInput = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: JSON.parse(Buffer.from(h, 'base64url').toString()).kid })).toString('base64url')}.${p}`
    const hs256 = `${hsInput}.${createHmac('sha256', publicKey.export({ format: 'pem', type: 'spki' })).update(hsInput).digest('base64url')}`
    const hostile: [string, string][] = [
      ['alg none', none],
      ['HS256 with a public key', hs256],
      ['tampered payload', `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${s}`],
      ['expired', reSigned({ ...claims, iat: Math.floor(Date.now() / 1000) - 100, exp: Math.floor(Date.now() / 1000) - 5, jti: 'x1' })],
      ['wrong issuer', reSigned({ ...claims, iss: 'https://evil.example', jti: 'x2' })],
      ['resource class presented', reSigned({ ...claims, use: 'resource', jti: 'x3' })],
      ['key of another zone', signedWith('zone-2', { ...claims, jti: 'x4' })],
      ['malformed', 'eyJ.not-base64!.x'],
      ['SQL-looking zone', reSigned({ ...claims, jti: 'x5' }).replace(/^([^.]+)\.([^.]+)/, (_m, hh) => `${hh}.${Buffer.from(JSON.stringify({ ...claims, zone_id: "zone-1' OR '1'='1" })).toString('base64url')}`)],
      ['oversized', `${h}.${'A'.repeat(5000)}.${s}`],
    ]
    const records = count('authority_records')
    const audits = count('audit_events')
    for (const [name, token] of hostile) {
      await expect(resourceExchange(token), name).rejects.toMatchObject({ status: 401, wireCode: 'invalid_token', message: 'invalid subject_token' })
    }
    expect(count('authority_records')).toBe(records)
    expect(count('audit_events')).toBe(audits)
  })

  it('holds authority that ended: a terminated session, from this process or from another one on the same database', async () => {
    const first = await startSession()
    const agent = await agentMandate(first.id)
    await resourceExchange(agent)
    await world.exchange.sessions.terminate('zone-1', first.id, 'done', 'req-term')
    await expect(resourceExchange(agent)).rejects.toMatchObject({ status: 403, wireCode: 'access_denied' })

    const second = await startSession()
    const agent2 = await agentMandate(second.id)
    await resourceExchange(agent2)
    // A second connection, as `caracal-mcp sessions terminate` opens while the server runs.
    const other = openStore(world.store.db.name)
    try {
      await new AgentSessions({ store: other, audit: new AuditLog(other.auditEvents, { hmacKey: world.auditKey }) }).terminate('zone-1', second.id, 'ended elsewhere', 'req-term-2')
    } finally {
      other.close()
    }
    await expect(resourceExchange(agent2)).rejects.toMatchObject({ status: 403, wireCode: 'access_denied' })
    expect(world.store.revocations.get(second.id, Date.now())).toMatchObject({ kind: 'agent_session', reason: 'ended elsewhere' })
  })

  it('is refused over HTTP to a client-secret caller (resource mandates come only from the proxy), after policy, audited', async () => {
    const agent = await agentMandate((await startSession()).id)
    const records = count('authority_records')
    const { status, body } = await post(
      { grant_type: EXCHANGE, zone_id: 'zone-1', application_id: 'app-1', client_secret: '@secret:app-1', subject_token: agent, subject_token_type: ACCESS, resource: 'resource://files/read', scope: 'files:read' },
      { 'x-request-id': 'req-http-resource' },
    )
    expect(status).toBe(403)
    expect(body).toMatchObject({ error: 'access_denied', error_description: 'resource exchanges must use the Gateway' })
    expect(count('authority_records')).toBe(records)
    expect(world.store.auditEvents.byRequestId('req-http-resource')).toMatchObject([{ decision: 'deny', evaluationStatus: 'exchange_denied' }])
  })

  it('names a subject token of another application as what it is: not the caller\'s', async () => {
    const agent = await agentMandate((await startSession()).id)
    const { status, body } = await post({ grant_type: EXCHANGE, zone_id: 'zone-1', application_id: 'app-4', client_secret: '@secret:app-4', subject_token: agent, subject_token_type: ACCESS, resource: 'resource://files/read', scope: 'files:read' })
    expect(status).toBe(403)
    expect(body.error).toBe('access_denied')
  })
})

describe('client_credentials (our addition)', () => {
  it('starts a new service session per request and returns its agent mandate, with client_secret_basic too', async () => {
    const basic = Buffer.from(`app-1:${encodeURIComponent(TEST_SECRETS['app-1']!)}`).toString('base64')
    const a = await post({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` })
    const b = await post({ grant_type: 'client_credentials', client_id: 'app-1', client_secret: '@secret:app-1', ttl_seconds: '300' })
    expect(a.status, JSON.stringify(a.body)).toBe(200)
    expect(b.status).toBe(200)
    expect(a.body.agent_session_id).not.toBe(b.body.agent_session_id)
    const session = world.store.agentSessions.get(b.body.agent_session_id as string)!
    expect(session).toMatchObject({ lifecycle: 'service', applicationId: 'app-1', labels: ['app-1'], heartbeatSeconds: 300 })
    expect(payloadOf(b.body.access_token as string)).toMatchObject({ use: 'session', agent_session_id: session.id })
    // The agent mandate works at the proxy's exchange.
    await expect(resourceExchange(b.body.access_token as string)).resolves.toMatchObject({ scope: 'files:read' })
  })

  it('refuses two authentication methods at once and a mismatched client id', async () => {
    const basic = Buffer.from(`app-1:${TEST_SECRETS['app-1']}`).toString('base64')
    expect((await post({ grant_type: 'client_credentials', client_secret: '@secret:app-1' }, { authorization: `Basic ${basic}` })).status).toBe(400)
    expect((await post({ grant_type: 'client_credentials', application_id: 'app-1', client_id: 'app-4', client_secret: '@secret:app-1' })).status).toBe(400)
  })
})

describe('agent sessions at the STS', () => {
  it('keeps a service session alive while it is used, and ends it after a silent interval', async () => {
    const session = await startSession('app-1', { lifecycle: 'service', heartbeatSeconds: 60 })
    const agent = await agentMandate(session.id)
    const t0 = Date.now()
    await world.exchangeWith({ now: () => t0 + 40_000 }).exchangeForResource({ subjectToken: agent, resource: 'resource://files/read', scopes: ['files:read'] }, 'req-hb-1')
    expect(world.store.agentSessions.get(session.id)!.heartbeatDeadline).toBeGreaterThanOrEqual(t0 + 100_000)
    await world.exchangeWith({ now: () => t0 + 95_000 }).exchangeForResource({ subjectToken: agent, resource: 'resource://files/read', scopes: ['files:read'] }, 'req-hb-2')
    const silent = world.exchangeWith({ now: () => t0 + 300_000 })
    await expect(silent.exchangeForResource({ subjectToken: agent, resource: 'resource://files/read', scopes: ['files:read'] }, 'req-hb-3')).rejects.toMatchObject({ status: 403 })
  })

  it('renews a service session when its bearer is presented to the proxy, and leaves no transaction open', async () => {
    const session = await startSession('app-1', { lifecycle: 'service', heartbeatSeconds: 60 })
    const agent = await agentMandate(session.id)
    const t0 = Date.now()
    expect(world.exchangeWith({ now: () => t0 + 40_000 }).verifyPresented(agent).sessionId).toBe(session.id)
    expect(world.store.agentSessions.get(session.id)!.heartbeatDeadline).toBeGreaterThanOrEqual(t0 + 100_000)
    expect(world.store.db.inTransaction).toBe(false)
    expect(() => world.exchangeWith({ now: () => t0 + 300_000 }).verifyPresented(agent)).toThrow(SessionReferenceError)
    expect(world.store.db.inTransaction).toBe(false)
  })

  it('refuses a session of another application, and a delegation edge that does not exist', async () => {
    const mine = await startSession('app-4', { labels: ['app-1'] })
    expect((await post({ grant_type: EXCHANGE, zone_id: 'zone-1', application_id: 'app-1', client_secret: '@secret:app-1', agent_session_id: mine.id })).status).toBe(403)
    const own = await startSession()
    const edge = await post({ grant_type: EXCHANGE, zone_id: 'zone-1', application_id: 'app-1', client_secret: '@secret:app-1', agent_session_id: own.id, delegation_edge_id: 'edge-1' })
    expect(edge).toMatchObject({ status: 403, body: { error: 'access_denied' } })
  })

  it('lets the fixed vector session be used by name', () => {
    expect(world.store.agentSessions.get(WORLD_IDS.session)).toMatchObject({ status: 'active' })
  })
})
