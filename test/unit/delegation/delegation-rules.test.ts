// One test per rule of delegation (contract §5.2, §5.3, §4.3) and of spawn, each named after the
// rule it protects, on a real store: remove the rule and its test fails.
import { beforeEach, describe, expect, it } from 'vitest'
import { hashSecret } from '../../../src/application/index.js'
import { AuditLog } from '../../../src/audit/index.js'
import { Delegations, validateDelegatedMint, type NewDelegation } from '../../../src/delegation/index.js'
import { AgentSessions } from '../../../src/sessions/index.js'
import type { AgentSessionRow, Store } from '../../../src/store/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()
const T0 = 1_800_000_000_000
let store: Store
let sessions: AgentSessions
let delegations: Delegations
let clock: { now: number }

beforeEach(async () => {
  store = stores.open()
  clock = { now: T0 }
  store.zones.create({ id: 'z', name: 'z', createdAt: 0 })
  store.zones.create({ id: 'other', name: 'other', createdAt: 0 })
  const hash = await hashSecret('cmcs_s')
  for (const [id, zone] of [['A', 'z'], ['B', 'z'], ['C', 'z'], ['X', 'other']] as const) {
    store.applications.create({ id, zoneId: zone, name: id, registrationMethod: 'managed', secretHash: hash, status: 'active', createdAt: 0, updatedAt: 0 })
  }
  store.resources.register('z', 'resource://docs', ['docs:read', 'docs:write'], 'res-docs', 0)
  store.resources.register('z', 'resource://mail', ['mail:send'], 'res-mail', 0)
  const audit = new AuditLog(store.auditEvents, { hmacKey: Buffer.alloc(32, 3), now: () => clock.now })
  sessions = new AgentSessions({ store, audit, now: () => clock.now })
  delegations = new Delegations({ store, audit, sessions, now: () => clock.now })
})

const start = (applicationId: string, ttlSeconds = 3600) => sessions.start({ zoneId: 'z', applicationId, ttlSeconds, requestId: 'r', startedBy: 'test' })

function edge(source: AgentSessionRow, target: AgentSessionRow, extra: Partial<NewDelegation> = {}) {
  return delegations.create({
    zoneId: 'z', callerApplicationId: source.applicationId, sourceSessionId: source.id, targetSessionId: target.id,
    resource: 'resource://docs', scopes: ['docs:read'], ttlSeconds: 600, requestId: 'r', ...extra,
  })
}

const refusedWith = (code: string) => expect.objectContaining({ wireCode: code })

describe('creating a delegation (contract §5.2)', () => {
  it('requires an expiry', async () => {
    const [a, b] = [await start('A'), await start('A')]
    await expect(edge(a, b, { ttlSeconds: undefined })).rejects.toEqual(refusedWith('delegation_expiry_required'))
  })

  it('requires the caller to own the issuer application', async () => {
    const [a, b] = [await start('A'), await start('B')]
    await expect(edge(a, b, { callerApplicationId: 'B' })).rejects.toEqual(refusedWith('issuer_ownership_required'))
    await expect(edge(a, b, { issuerApplicationId: 'B' })).rejects.toEqual(refusedWith('issuer_ownership_required'))
  })

  it('refuses self-delegation', async () => {
    const a = await start('A')
    await expect(edge(a, a)).rejects.toEqual(refusedWith('self_delegation_denied'))
  })

  it('refuses a broad edge (no resource) to applications, and allows it to operators', async () => {
    const [a, b] = [await start('A'), await start('A')]
    await expect(edge(a, b, { resource: undefined })).rejects.toEqual(refusedWith('delegation_broad_denied'))
    await expect(edge(a, b, { resource: undefined, allowBroad: true })).resolves.toMatchObject({ resourceId: null })
  })

  it('requires both endpoints to be live sessions of the zone', async () => {
    const [a, b] = [await start('A'), await start('A')]
    await sessions.terminate('z', b.id, 'gone', 'r')
    await expect(edge(a, b)).rejects.toEqual(refusedWith('delegation_endpoint_not_found'))
    const foreign = await sessions.start({ zoneId: 'other', applicationId: 'X', requestId: 'r', startedBy: 't' })
    await expect(edge(a, foreign)).rejects.toEqual(refusedWith('delegation_endpoint_not_found'))
  })

  it('requires the endpoints to be owned by the named issuer and receiver', async () => {
    const [a, b] = [await start('A'), await start('B')]
    await expect(edge(a, b, { receiverApplicationId: 'C' })).rejects.toEqual(refusedWith('delegation_application_mismatch'))
  })

  it('requires the resources to exist and the resource to be among constraints.resources', async () => {
    const [a, b] = [await start('A'), await start('A')]
    await expect(edge(a, b, { resource: 'resource://nope' })).rejects.toEqual(refusedWith('resource_not_found'))
    await expect(edge(a, b, { constraints: { resources: ['resource://mail'] } })).rejects.toEqual(refusedWith('delegation_resource_scope_mismatch'))
  })

  it('keeps scopes within what the delegated resources declare', async () => {
    const [a, b] = [await start('A'), await start('A')]
    await expect(edge(a, b, { scopes: ['mail:send'] })).rejects.toEqual(refusedWith('delegation_scopes_exceed_resource'))
  })

  it('reads constraints strictly: unknown keys, budget, and a disagreeing max_depth are refused', async () => {
    const [a, b] = [await start('A'), await start('A')]
    await expect(edge(a, b, { constraints: { max_hops: 2, colour: 'red' } })).rejects.toEqual(refusedWith('invalid_body'))
    await expect(edge(a, b, { constraints: { budget: 5 } })).rejects.toEqual(refusedWith('invalid_body'))
    await expect(edge(a, b, { constraints: { max_hops: 2, max_depth: 3 } })).rejects.toEqual(refusedWith('invalid_body'))
    await expect(edge(a, b, { constraints: { max_hops: 11 } })).rejects.toEqual(refusedWith('invalid_body'))
  })

  it('refuses a parent edge that is not a live edge into the source', async () => {
    const [a, b, c] = [await start('A'), await start('A'), await start('A')]
    const ab = await edge(a, b, { constraints: { max_hops: 3 } })
    await expect(edge(c, a, { parentEdgeId: ab.id })).rejects.toEqual(refusedWith('parent_delegation_not_active'))
  })

  it('asks for parent_edge_id when the source holds several delegations', async () => {
    const [a, b, c, d] = [await start('A'), await start('A'), await start('A'), await start('A')]
    await edge(a, c, { constraints: { max_hops: 3 } })
    const bc = await edge(b, c, { constraints: { max_hops: 3 } })
    await expect(edge(c, d)).rejects.toEqual(refusedWith('parent_delegation_ambiguous'))
    await expect(edge(c, d, { parentEdgeId: bc.id })).resolves.toMatchObject({ parentEdgeId: bc.id, depth: 2 })
  })

  describe('narrows against its parent', () => {
    async function chainOf(parentConstraints: Record<string, unknown>) {
      const [a, b, c] = [await start('A'), await start('A'), await start('A')]
      const ab = await edge(a, b, { scopes: ['docs:read'], constraints: parentConstraints })
      return { a, b, c, ab }
    }

    it('scopes: a subset of the parent edge', async () => {
      const { b, c } = await chainOf({ max_hops: 3 })
      await expect(edge(b, c, { scopes: ['docs:write'] })).rejects.toEqual(refusedWith('delegation_exceeds_parent_authority'))
    })

    it('expiry: no later than the parent edge', async () => {
      const { b, c } = await chainOf({ max_hops: 3 })
      await expect(edge(b, c, { ttlSeconds: 601 })).rejects.toEqual(refusedWith('delegation_exceeds_parent_authority'))
    })

    it('resources: within the parent edge', async () => {
      const { b, c } = await chainOf({ max_hops: 3 })
      await expect(edge(b, c, { resource: 'resource://mail', scopes: ['mail:send'] })).rejects.toEqual(refusedWith('delegation_exceeds_parent_authority'))
    })

    it('hops: the parent must allow another hop, and the child fewer than the parent', async () => {
      const single = await chainOf({})
      await expect(edge(single.b, single.c)).rejects.toEqual(refusedWith('delegation_exceeds_parent_authority'))
      const { b, c } = await chainOf({ max_hops: 3 })
      await expect(edge(b, c, { constraints: { max_hops: 3 } })).rejects.toEqual(refusedWith('delegation_exceeds_parent_authority'))
      await expect(edge(b, c, { constraints: { max_hops: 2 } })).resolves.toMatchObject({ depth: 2 })
    })

    it('ttl_seconds: present and no larger when the parent has one', async () => {
      const { b, c } = await chainOf({ max_hops: 3, ttl_seconds: 300 })
      await expect(edge(b, c, { ttlSeconds: undefined, expiresAt: new Date(T0 + 100_000).toISOString() })).rejects.toEqual(refusedWith('delegation_exceeds_parent_authority'))
      await expect(edge(b, c, { ttlSeconds: 400, expiresAt: new Date(T0 + 100_000).toISOString() })).rejects.toEqual(refusedWith('delegation_exceeds_parent_authority'))
    })
  })

  it('refuses a cycle A→B→C→A', async () => {
    const [a, b, c] = [await start('A'), await start('A'), await start('A')]
    await edge(a, b, { constraints: { max_hops: 3 } })
    await edge(b, c, { constraints: { max_hops: 2 } })
    await expect(edge(c, a)).rejects.toEqual(refusedWith('delegation_cycle_denied'))
  })

  it('refuses an edge that would be expired already', async () => {
    const [a, b] = [await start('A'), await start('A')]
    await expect(edge(a, b, { ttlSeconds: undefined, expiresAt: new Date(T0 - 1000).toISOString() })).rejects.toEqual(refusedWith('delegation_expired'))
  })

  it('bounds delegation by the source session\'s own authority', async () => {
    const parent = await start('A')
    const none = await sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: parent.id, authority: { mode: 'none' }, requestId: 'r', startedBy: 't' })
    const narrow = await sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: parent.id, authority: { mode: 'narrow', scopes: ['docs:read'], resources: ['resource://docs'] }, requestId: 'r', startedBy: 't' })
    const b = await start('A')
    await expect(edge(none, b)).rejects.toEqual(refusedWith('delegation_exceeds_parent_authority'))
    await expect(edge(narrow, b, { scopes: ['docs:write'] })).rejects.toEqual(refusedWith('delegation_exceeds_parent_authority'))
    await expect(edge(narrow, b)).resolves.toBeDefined()
  })

  it('advances the zone epoch with every create and revoke, and audits both', async () => {
    const [a, b] = [await start('A'), await start('A')]
    expect(store.zones.delegationEpoch('z')).toBe(0)
    const ab = await edge(a, b)
    expect(store.zones.delegationEpoch('z')).toBe(1)
    await delegations.revoke('z', ab.id, 'done', 'r-rev')
    expect(store.zones.delegationEpoch('z')).toBe(2)
    expect(store.auditEvents.byRequestId('r-rev').map((e) => e.eventType)).toContain('delegation_revoked')
  })
})

describe('a receiver of another application', () => {
  it('must accept an edge before it confers anything, and only the receiver may accept', async () => {
    const [a, b] = [await start('A'), await start('B')]
    const ab = await edge(a, b)
    expect(ab.acceptedAt).toBeNull()
    expect(() => validateDelegatedMint(store, { zoneId: 'z', applicationId: 'B', agentSessionId: b.id, edgeId: ab.id, requestedScopes: ['docs:read'], nowMs: clock.now })).toThrow(
      expect.objectContaining({ detail: 'delegation not accepted by its receiver' }),
    )
    await expect(delegations.accept('z', ab.id, 'A', 'r')).rejects.toEqual(refusedWith('access_denied'))
    await delegations.accept('z', ab.id, 'B', 'r')
    await expect(delegations.accept('z', ab.id, 'B', 'r')).rejects.toEqual(refusedWith('delegation_not_pending'))
    expect(validateDelegatedMint(store, { zoneId: 'z', applicationId: 'B', agentSessionId: b.id, edgeId: ab.id, requestedScopes: ['docs:read'], nowMs: clock.now }).chain).toEqual([
      { application_id: 'A', agent_session_id: a.id, delegation_edge_id: ab.id },
      { application_id: 'B', agent_session_id: b.id },
    ])
  })
})

describe('validating a delegated mint (contract §5.3)', () => {
  async function threeHops() {
    const [a, b, c] = [await start('A'), await start('B'), await start('C')]
    const ab = await edge(a, b, { constraints: { max_hops: 2 } })
    await delegations.accept('z', ab.id, 'B', 'r')
    const bc = await delegations.create({ zoneId: 'z', callerApplicationId: 'B', sourceSessionId: b.id, targetSessionId: c.id, resource: 'resource://docs', scopes: ['docs:read'], ttlSeconds: 300, requestId: 'r' })
    await delegations.accept('z', bc.id, 'C', 'r')
    return { a, b, c, ab, bc }
  }
  const mint = (c: AgentSessionRow, edgeId: string, scopes = ['docs:read'], extra: { requestedTtlSeconds?: number } = {}) =>
    validateDelegatedMint(store, { zoneId: 'z', applicationId: c.applicationId, agentSessionId: c.id, edgeId, requestedScopes: scopes, nowMs: clock.now, ...extra })

  it('builds the path from the root edge and the chain of applications and sessions', async () => {
    const { a, b, c, ab, bc } = await threeHops()
    const v = mint(c, bc.id)
    expect(v.path).toEqual([ab.id, bc.id])
    expect(v.chain.map((h) => h.application_id)).toEqual(['A', 'B', 'C'])
    expect(v.chain.map((h) => h.agent_session_id)).toEqual([a.id, b.id, c.id])
    expect(v.epoch).toBe(store.zones.delegationEpoch('z'))
    expect(v.ttlBoundSeconds).toBe(300)
  })

  it('refuses scopes outside the edge, and a TTL above its ttl_seconds', async () => {
    const { c, bc } = await threeHops()
    expect(() => mint(c, bc.id, ['docs:write'])).toThrow(expect.objectContaining({ detail: 'scope docs:write is outside the delegation' }))
    expect(() => mint(c, bc.id, ['docs:read'], { requestedTtlSeconds: 301 })).toThrow(expect.objectContaining({ detail: 'ttl_seconds above the delegation constraint' }))
  })

  it('refuses the edge of another session, and a path with an expired or revoked parent', async () => {
    const { a, c, ab, bc } = await threeHops()
    expect(() => validateDelegatedMint(store, { zoneId: 'z', applicationId: 'A', agentSessionId: a.id, edgeId: bc.id, requestedScopes: [], nowMs: clock.now })).toThrow(expect.objectContaining({ status: 403 }))
    clock.now += 601_000
    expect(() => mint(c, bc.id)).toThrow(expect.objectContaining({ status: 403 }))
    clock.now = T0
    store.delegationEdges.revoke(ab.id, 'test', clock.now)
    expect(() => mint(c, bc.id)).toThrow(expect.objectContaining({ detail: 'delegation path invalid' }))
  })

  it('refuses hop overflow: a path longer than an edge on it allows', async () => {
    const { ab, bc, c } = await threeHops()
    // Written around the creation rules, as a corrupt or hostile store could hold it.
    store.db.prepare("UPDATE delegation_edges SET constraints_json = '{\"max_hops\":1}' WHERE id = ?").run(ab.id)
    expect(() => mint(c, bc.id)).toThrow(expect.objectContaining({ detail: 'delegation path exceeds max_hops' }))
  })
})

describe('revocation (contract §4.3)', () => {
  it('revoking a parent edge revokes every edge downstream, terminates the target subtrees, and revokes their anchors', async () => {
    const [a, b, c] = [await start('A'), await start('A'), await start('A')]
    const ab = await edge(a, b, { constraints: { max_hops: 3 } })
    const bc = await edge(b, c, { constraints: { max_hops: 2 } })
    const grandchild = await sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: c.id, authority: { mode: 'inherit' }, requestId: 'r', startedBy: 't' })
    const { edges, ended } = await delegations.revoke('z', ab.id, 'no longer', 'r-cascade')
    expect(edges.sort()).toEqual([ab.id, bc.id].sort())
    expect(store.delegationEdges.get(bc.id)).toMatchObject({ status: 'revoked' })
    expect(ended.sessions.map((s) => s.id).sort()).toEqual([b.id, c.id, grandchild.id].sort())
    for (const anchor of [ab.id, bc.id, b.id, c.id, grandchild.id]) expect(store.revocations.get(anchor, clock.now)).toBeDefined()
    expect(store.agentSessions.get(a.id)).toMatchObject({ status: 'active' })
  })

  it('terminating a session revokes every edge touching it', async () => {
    const [a, b] = [await start('A'), await start('A')]
    const ab = await edge(a, b)
    await sessions.terminate('z', a.id, 'stop', 'r')
    expect(store.delegationEdges.get(ab.id)).toMatchObject({ status: 'revoked', revocationReason: 'session_terminated' })
    expect(store.zones.delegationEpoch('z')).toBe(2)
  })

  it('only the issuer or the receiver may revoke', async () => {
    const [a, b] = [await start('A'), await start('B')]
    const ab = await edge(a, b)
    await expect(delegations.revoke('z', ab.id, 'x', 'r', 'C')).rejects.toEqual(refusedWith('access_denied'))
    await expect(delegations.revoke('z', ab.id, 'x', 'r', 'B')).resolves.toBeDefined()
  })
})

describe('spawn', () => {
  it('keeps a child of the same application, never beyond its parent, with limits', async () => {
    const root = await start('A', 100)
    const narrow = await sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: root.id, authority: { mode: 'narrow', scopes: ['docs:read'], resources: ['resource://docs'] }, ttlSeconds: 3600, requestId: 'r', startedBy: 't' })
    expect(narrow).toMatchObject({ authority: 'narrow', authorityScopes: ['docs:read'], depth: 1, ttlSeconds: 100 })
    const inherited = await sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: narrow.id, authority: { mode: 'inherit' }, requestId: 'r', startedBy: 't' })
    expect(inherited).toMatchObject({ authority: 'narrow', authorityResources: ['resource://docs'], labels: ['A'] })
    await expect(sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: narrow.id, authority: { mode: 'narrow', scopes: ['docs:write'], resources: ['resource://docs'] }, requestId: 'r', startedBy: 't' })).rejects.toMatchObject({ code: 'ERR_SESSION_EXCEEDS_PARENT' })
    await expect(sessions.spawn({ zoneId: 'z', applicationId: 'B', parentSessionId: root.id, authority: { mode: 'inherit' }, requestId: 'r', startedBy: 't' })).rejects.toMatchObject({ code: 'ERR_SESSION_NOT_LIVE' })
    await expect(sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: root.id, authority: { mode: 'inherit' }, lifecycle: 'service', requestId: 'r', startedBy: 't' })).rejects.toMatchObject({ status: 400 })
    for (let i = 0; i < 9; i++) await sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: root.id, authority: { mode: 'none' }, requestId: 'r', startedBy: 't' })
    await expect(sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: root.id, authority: { mode: 'none' }, requestId: 'r', startedBy: 't' })).rejects.toMatchObject({ code: 'ERR_SESSION_LIMIT' })
  })

  it('nests at most ten deep', async () => {
    let parent = await start('A')
    for (let depth = 1; depth <= 10; depth++) parent = await sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: parent.id, authority: { mode: 'inherit' }, requestId: 'r', startedBy: 't' })
    await expect(sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: parent.id, authority: { mode: 'inherit' }, requestId: 'r', startedBy: 't' })).rejects.toMatchObject({ code: 'ERR_SESSION_LIMIT' })
  })

  it('suspending a parent stops its children minting, and resuming restores them', async () => {
    const root = await start('A')
    const child = await sessions.spawn({ zoneId: 'z', applicationId: 'A', parentSessionId: root.id, authority: { mode: 'inherit' }, requestId: 'r', startedBy: 't' })
    await sessions.suspend('z', root.id, 'pause', 'r')
    expect(() => sessions.requireLive('z', child.id, 'A', clock.now)).toThrow(/suspended/)
    await sessions.resume('z', root.id, 'r')
    expect(sessions.requireLive('z', child.id, 'A', clock.now).id).toBe(child.id)
  })
})
