// Boundaries an independent review found open, each pinned by the scenario that crossed it:
// a single-use gateway mandate replayed, another application's session ended through an edge it
// never accepted, an agent approving its own step-up with its user's sign-in, an application
// resuming what an operator suspended, children of a lapsed service session minting on, a user
// deciding an application's hold, a mint committing after its session was suspended, and
// permissive changes standing without their audit row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { revokeAuthority } from '../../src/authority/index.js'
import { Delegations } from '../../src/delegation/index.js'
import type { ApprovalRequiredError } from '../../src/sts/index.js'
import { encodeForm, startStsWorld, ZONE_1_DATA, type StsWorld } from '../helpers/sts-world.js'

let world: StsWorld
let delegations: Delegations
beforeAll(async () => {
  world = await startStsWorld()
  delegations = new Delegations({ store: world.store, audit: world.audit, sessions: world.exchange.sessions })
})
afterAll(() => world.close())

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
const start = (applicationId = 'app-1', extra: Record<string, unknown> = {}) => world.exchange.sessions.start({ zoneId: 'zone-1', applicationId, requestId: 'r', startedBy: 'test', ...extra })

async function token(fields: Record<string, string>, app = 'app-1'): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${world.url}/oauth/2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: encodeForm(Object.entries({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: 'zone-1', application_id: app, client_secret: `@secret:${app}`, ...fields })),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const agentMandate = async (sessionId: string) => (await token({ agent_session_id: sessionId })).body.access_token as string
const readFiles = (subjectToken: string, requestId: string) => world.exchange.exchangeForResource({ subjectToken, resource: 'resource://files/read', scopes: ['files:read'] }, requestId)

describe('a gateway mandate', () => {
  it('is single use at the proxy\'s exchange: a replay is 401 and audited, and two at once mint once', async () => {
    const session = await start()
    const gateway = (await token({ agent_session_id: session.id, resource: 'resource://files/read', scope: 'files:read' })).body.access_token as string
    await readFiles(gateway, 'r-gw-1')
    await expect(readFiles(gateway, 'r-gw-2')).rejects.toMatchObject({ status: 401, wireCode: 'invalid_token', detail: 'token replay detected' })
    expect(world.store.auditEvents.byRequestId('r-gw-2')).toMatchObject([{ eventType: 'replay_detected', decision: 'deny' }])

    const twice = (await token({ agent_session_id: session.id, resource: 'resource://files/read', scope: 'files:read' })).body.access_token as string
    const results = await Promise.allSettled([readFiles(twice, 'r-gw-3'), readFiles(twice, 'r-gw-4')])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
  })
})

describe('an unaccepted delegation', () => {
  it('ends nothing of the receiver when its issuer revokes it', async () => {
    const [mine, theirs] = [await start('app-1'), await start('app-4', { labels: ['app-1'] })]
    const edge = await delegations.create({ zoneId: 'zone-1', callerApplicationId: 'app-1', sourceSessionId: mine.id, targetSessionId: theirs.id, resource: 'resource://files/read', scopes: ['files:read'], ttlSeconds: 600, requestId: 'r' })
    const { ended } = await delegations.revoke('zone-1', edge.id, 'mischief', 'r', 'app-1')
    expect(ended.sessions).toEqual([])
    expect(world.store.agentSessions.get(theirs.id)).toMatchObject({ status: 'active' })
  })
})

describe('operator suspension', () => {
  it('is not undone by the application, which may undo only its own', async () => {
    const session = await start()
    await world.exchange.sessions.suspend('zone-1', session.id, 'contained', 'r')
    await expect(world.exchange.sessions.resume('zone-1', session.id, 'r', 'app-1')).rejects.toMatchObject({ code: 'ERR_SESSION_ACTION_DENIED', status: 403 })
    await world.exchange.sessions.resume('zone-1', session.id, 'r')
    await world.exchange.sessions.suspend('zone-1', session.id, 'my own pause', 'r', 'app-1')
    await expect(world.exchange.sessions.resume('zone-1', session.id, 'r', 'app-1')).resolves.toMatchObject({ status: 'active' })
  })

  it('wins over a mint already in flight: the mandate is never committed', async () => {
    const session = await start()
    const agent = await agentMandate(session.id)
    const inFlight = readFiles(agent, 'r-flight')
    await world.exchange.sessions.suspend('zone-1', session.id, 'now', 'r')
    await expect(inFlight).rejects.toMatchObject({ status: 403 })
  })
})

describe('a service session whose heartbeat lapsed', () => {
  it('takes its children with it', async () => {
    const parent = await start('app-1', { lifecycle: 'service', heartbeatSeconds: 30 })
    const child = await world.exchange.sessions.spawn({ zoneId: 'zone-1', applicationId: 'app-1', parentSessionId: parent.id, authority: { mode: 'inherit' }, requestId: 'r', startedBy: 'test' })
    const agent = await agentMandate(child.id)
    const later = world.exchangeWith({ now: () => Date.now() + 60_000 })
    await expect(later.exchangeForResource({ subjectToken: agent, resource: 'resource://files/read', scopes: ['files:read'] }, 'r-lapsed')).rejects.toMatchObject({ status: 403 })
  })
})

describe('who may decide a hold', () => {
  it('never a user whose identifier equals the application that holds it', async () => {
    world.policy.activate('zone-1', { ...ZONE_1_DATA, approval_tiers: [{ tier: 'high', approver: 'any', ttl_seconds: 600 }] })
    try {
      const agent = await agentMandate((await start()).id)
      const hold = ((await world.exchange.exchangeForResource({ subjectToken: agent, resource: 'resource://files/write', scopes: ['files:write'] }, 'r-h').catch((e: unknown) => e)) as ApprovalRequiredError).hold
      // A user session mandate whose sub is "app-1", as a trusted issuer could name one.
      const now = Date.now()
      world.store.authorityRecords.create({ id: 'rec-user-named-app-1', zoneId: 'zone-1', applicationId: 'app-1', subject: 'app-1', subType: 'user', parentId: null, rootId: 'rec-user-named-app-1', use: 'session', status: 'active', createdAt: now, expiresAt: now + 600_000 })
      const { mintMandate } = await import('../../src/mandate/index.js')
      const iat = Math.floor(now / 1000)
      const user = mintMandate({ iss: world.issuer, sub: 'app-1', aud: [world.issuer], exp: iat + 600, iat, jti: 'j-user', zone_id: 'zone-1', client_id: 'app-1', sid: 'rec-user-named-app-1', root_sid: 'rec-user-named-app-1', use: 'session', sub_type: 'user' }, world.keys.signingKey('zone-1'))
      const response = await fetch(`${world.url}/approvals/${hold.approvalId}/decision`, { method: 'POST', headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approved', binding: hold.binding }) })
      expect(response.status).toBe(403)
      expect(world.store.approvals.get(hold.approvalId)?.state).toBe('pending')
    } finally {
      world.policy.activate('zone-1', ZONE_1_DATA)
    }
  })

  it('never the user through the sign-in their agent\'s session stands on, on the gateway-mint path too', async () => {
    world.policy.activate('zone-1', { ...ZONE_1_DATA, approval_tiers: [{ tier: 'high', approver: 'subject', ttl_seconds: 600 }] })
    try {
      const now = Date.now()
      world.store.authorityRecords.create({ id: 'rec-ada', zoneId: 'zone-1', applicationId: 'app-1', subject: 'ada', subType: 'user', parentId: null, rootId: 'rec-ada', use: 'session', status: 'active', createdAt: now, expiresAt: now + 600_000 })
      const session = await start('app-1', { subjectRecordId: 'rec-ada' })
      const held = await token({ agent_session_id: session.id, resource: 'resource://files/write', scope: 'files:write' })
      expect(held.status).toBe(401)
      const { mintMandate } = await import('../../src/mandate/index.js')
      const iat = Math.floor(now / 1000)
      const signIn = mintMandate({ iss: world.issuer, sub: 'ada', aud: [world.issuer], exp: iat + 600, iat, jti: 'j-ada', zone_id: 'zone-1', client_id: 'app-1', sid: 'rec-ada', root_sid: 'rec-ada', use: 'session', sub_type: 'user' }, world.keys.signingKey('zone-1'))
      const response = await fetch(`${world.url}/approvals/${held.body.approval_id as string}/decision`, { method: 'POST', headers: { authorization: `Bearer ${signIn}`, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approved', binding: held.body.binding }) })
      expect(response.status).toBe(403)
    } finally {
      world.policy.activate('zone-1', ZONE_1_DATA)
    }
  })
})

describe('revoking a record', () => {
  it('reaches every record minted beneath it, at any depth', async () => {
    const agent = await agentMandate((await start()).id)
    const resource = await readFiles(agent, 'r-deep')
    // Revoke the agent mandate's record: its resource mandate (a child) goes with it.
    const revoked = await revokeAuthority({ store: world.store, audit: world.audit }, { zoneId: 'zone-1', target: { record: claimsOf(agent).sid as string }, reason: 'test', requestId: 'r', actor: 'test' })
    expect(revoked).toContain(claimsOf(resource.access_token).sid)
  })
})

describe('a permissive change whose audit row cannot be written', () => {
  it('does not stand: the decision and the delegation are taken back', async () => {
    const agent = await agentMandate((await start()).id)
    const hold = ((await world.exchange.exchangeForResource({ subjectToken: agent, resource: 'resource://files/write', scopes: ['files:write'] }, 'r-a').catch((e: unknown) => e)) as ApprovalRequiredError).hold
    const [a, b] = [await start(), await start()]
    world.store.db.exec("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    try {
      await expect(world.exchange.approvals.decide('zone-1', hold.approvalId, 'approved', 'operator:test', undefined, 'r-d')).rejects.toThrow()
      await expect(delegations.create({ zoneId: 'zone-1', callerApplicationId: 'app-1', sourceSessionId: a.id, targetSessionId: b.id, resource: 'resource://files/read', scopes: ['files:read'], ttlSeconds: 600, requestId: 'r-e' })).rejects.toThrow()
    } finally {
      world.store.db.exec('DROP TRIGGER refuse_audit')
    }
    expect(world.store.approvals.get(hold.approvalId)).toMatchObject({ state: 'pending', decidedBy: null })
    expect(world.store.delegationEdges.list({ zoneId: 'zone-1', sessionId: a.id })).toMatchObject([{ status: 'revoked', revocationReason: 'audit_failed' }])
  })
})
