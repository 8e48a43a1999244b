// Delegated mints through the real STS (HTTP on loopback, SQLite, the committed policy): the
// mandate carries the path, chain, hop count and graph epoch derived live from the edges; the
// edge bounds scopes and lifetime; and a verifier following the store's revocations and epochs
// (as the proxy will) rejects a mandate under a revoked anchor or a changed graph.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Delegations } from '../../src/delegation/index.js'
import { authenticateMandate } from '../../src/mandate/index.js'
import { BusFedRevocationStore, InProcessRevocationBus, StoreRevocationFeed } from '../../src/revocation/index.js'
import { encodeForm, startStsWorld, type StsWorld } from '../helpers/sts-world.js'

let world: StsWorld
let delegations: Delegations
beforeAll(async () => {
  world = await startStsWorld()
  delegations = new Delegations({ store: world.store, audit: world.audit, sessions: world.exchange.sessions })
})
afterAll(() => world.close())

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
const start = () => world.exchange.sessions.start({ zoneId: 'zone-1', applicationId: 'app-1', requestId: 'r', startedBy: 'test' })

async function post(fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${world.url}/oauth/2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: encodeForm(Object.entries({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: 'zone-1', application_id: 'app-1', client_secret: '@secret:app-1', ...fields })),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function delegatedPair(lifetime: { ttlSeconds: number } | { expiresInSeconds: number } = { ttlSeconds: 600 }) {
  const [source, target] = [await start(), await start()]
  const edge = await delegations.create({
    zoneId: 'zone-1', callerApplicationId: 'app-1', sourceSessionId: source.id, targetSessionId: target.id,
    resource: 'resource://files/read', scopes: ['files:read'], constraints: { max_hops: 2 }, requestId: 'r-edge',
    ...('ttlSeconds' in lifetime ? { ttlSeconds: lifetime.ttlSeconds } : { expiresAt: new Date(Date.now() + lifetime.expiresInSeconds * 1000).toISOString() }),
  })
  return { source, target, edge }
}

function verifier() {
  const bus = new InProcessRevocationBus()
  const feed = new StoreRevocationFeed(world.store, bus)
  const revocations = new BusFedRevocationStore(bus, { healthy: () => feed.healthy() })
  feed.start()
  const verify = (token: string) =>
    authenticateMandate(token, { issuer: world.issuer, audience: 'resource://files/read', zoneId: 'zone-1', requiredScopes: ['files:read'], requireDelegation: true }, { keys: world.keys, revocations })
  return {
    feed,
    verify,
    close: () => {
      feed.stop()
      revocations.close()
    },
  }
}

describe('a delegated gateway mint', () => {
  it('carries the path, chain, hop count and graph epoch of its edge', async () => {
    const { source, target, edge } = await delegatedPair()
    const { status, body } = await post({ agent_session_id: target.id, delegation_edge_id: edge.id, resource: 'resource://files/read', scope: 'files:read' })
    expect(status, JSON.stringify(body)).toBe(200)
    expect(claimsOf(body.access_token as string)).toMatchObject({
      use: 'gateway',
      agent_session_id: target.id,
      delegation_edge_id: edge.id,
      source_session_id: source.id,
      target_session_id: target.id,
      delegation_path: [edge.id],
      delegation_chain: [{ application_id: 'app-1', agent_session_id: source.id, delegation_edge_id: edge.id }, { application_id: 'app-1', agent_session_id: target.id }],
      hop_count: 1,
      delegation_graph_epoch: world.store.zones.delegationEpoch('zone-1'),
    })
  })

  it('is bounded by the edge: scopes outside it are refused, the lifetime is clamped to its expiry', async () => {
    const { target, edge } = await delegatedPair({ expiresInSeconds: 120 })
    expect(await post({ agent_session_id: target.id, delegation_edge_id: edge.id, resource: 'resource://files/write', scope: 'files:write' })).toMatchObject({ status: 403, body: { error: 'access_denied' } })
    const { status, body } = await post({ agent_session_id: target.id, delegation_edge_id: edge.id, resource: 'resource://files/read', scope: 'files:read', ttl_seconds: '3600' })
    expect(status, JSON.stringify(body)).toBe(200)
    expect(body.expires_in).toBeLessThanOrEqual(120)
  })

  it('refuses a TTL above the edge\'s ttl_seconds with 403, and clamps a default to it', async () => {
    const { target, edge } = await delegatedPair({ ttlSeconds: 120 })
    const mint = { agent_session_id: target.id, delegation_edge_id: edge.id, resource: 'resource://files/read', scope: 'files:read' }
    expect(await post({ ...mint, ttl_seconds: '121' })).toMatchObject({ status: 403, body: { error: 'access_denied' } })
    expect((await post(mint)).body.expires_in).toBeLessThanOrEqual(120)
  })

  it('is refused to the source session, which the edge does not name', async () => {
    const { source, edge } = await delegatedPair()
    expect(await post({ agent_session_id: source.id, delegation_edge_id: edge.id, resource: 'resource://files/read', scope: 'files:read' })).toMatchObject({ status: 403 })
  })
})

describe('a delegated agent mandate at the proxy\'s exchange', () => {
  it('yields resource mandates whose delegation claims are re-derived live, and nothing once the edge is revoked', async () => {
    const { source, target, edge } = await delegatedPair()
    const agent = await post({ agent_session_id: target.id, delegation_edge_id: edge.id })
    expect(agent.status, JSON.stringify(agent.body)).toBe(200)
    expect(claimsOf(agent.body.access_token as string)).toMatchObject({ use: 'session', delegation_edge_id: edge.id, hop_count: 1 })
    const resource = await world.exchange.exchangeForResource({ subjectToken: agent.body.access_token as string, resource: 'resource://files/read', scopes: ['files:read'] }, 'r-x')
    expect(claimsOf(resource.access_token)).toMatchObject({ use: 'resource', delegation_path: [edge.id], source_session_id: source.id, hop_count: 1 })
    await delegations.revoke('zone-1', edge.id, 'enough', 'r-rev')
    await expect(world.exchange.exchangeForResource({ subjectToken: agent.body.access_token as string, resource: 'resource://files/read', scopes: ['files:read'] }, 'r-y')).rejects.toMatchObject({ status: 403 })
  })
})

describe('a verifier following the store', () => {
  it('rejects a delegated mandate as delegation_stale once the graph changes, and as session_revoked once its edge is revoked', async () => {
    const { target, edge } = await delegatedPair()
    const agent = await post({ agent_session_id: target.id, delegation_edge_id: edge.id })
    const { access_token } = await world.exchange.exchangeForResource({ subjectToken: agent.body.access_token as string, resource: 'resource://files/read', scopes: ['files:read'] }, 'r-v')
    const v = verifier()
    try {
      expect((await v.verify(access_token)).ok).toBe(true)
      // Any graph change elsewhere in the zone makes mandates minted before it stale.
      await delegatedPair()
      v.feed.poll()
      const stale = await v.verify(access_token)
      expect(stale.ok === false && stale.error.wireCode).toBe('delegation_stale')

      const fresh = await world.exchange.exchangeForResource({ subjectToken: agent.body.access_token as string, resource: 'resource://files/read', scopes: ['files:read'] }, 'r-w')
      v.feed.poll()
      expect((await v.verify(fresh.access_token)).ok).toBe(true)
      await world.exchange.sessions.terminate('zone-1', target.id, 'done', 'r-t')
      v.feed.poll()
      const revoked = await v.verify(fresh.access_token)
      expect(revoked.ok === false && revoked.error.wireCode).toMatch(/session_revoked|delegation_stale/)
    } finally {
      v.close()
    }
  })
})
