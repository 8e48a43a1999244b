// The bus-fed revocation store: it marks what the bus announces for as long as the event says,
// never lets an epoch regress, fails closed when its health check says no (or throws), and passes
// a marking failure back to the publisher. End to end on a real SQLite file, a revocation or an
// epoch bump written through a second connection (as the CLI would) reaches the verifier through
// the feed and the bus: `authenticateMandate` rejects with `session_revoked` / `delegation_stale`.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KeyRing } from '../../../src/keys/index.js'
import { authenticateMandate, checkActiveAuthority, mintMandate, verifyMandateIdentity, type MandateClaims } from '../../../src/mandate/index.js'
import { BusFedRevocationStore, InProcessRevocationBus, StoreRevocationFeed } from '../../../src/revocation/index.js'
import type { Store } from '../../../src/store/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const NOW = 1_790_000_100_000
const HOUR = 3_600_000

describe('BusFedRevocationStore', () => {
  let clock = NOW
  const now = () => clock
  beforeEach(() => {
    clock = NOW
  })

  it('marks announced anchors until the event expiresAt, then forgets them', () => {
    const bus = new InProcessRevocationBus()
    const store = new BusFedRevocationStore(bus, { now })
    bus.publish({ type: 'anchors_revoked', zoneId: 'zone-1', anchors: ['ar-1', 'sess-1'], reason: 'grant_revoked', expiresAt: NOW + 1000 })
    expect([store.isRevoked('ar-1'), store.isRevoked('sess-1'), store.isRevoked('ar-2')]).toEqual([true, true, false])
    clock = NOW + 999
    expect(store.isRevoked('ar-1')).toBe(true)
    clock = NOW + 1000
    expect(store.isRevoked('ar-1')).toBe(false)
  })

  it('accepts an event that is already past its expiry (TTL at least 1 ms)', () => {
    const bus = new InProcessRevocationBus()
    const store = new BusFedRevocationStore(bus, { now })
    expect(() => bus.publish({ type: 'anchors_revoked', zoneId: 'zone-1', anchors: ['ar-1'], reason: 'r', expiresAt: NOW - HOUR })).not.toThrow()
    expect(store.isRevoked('ar-1')).toBe(true)
    clock = NOW + 1
    expect(store.isRevoked('ar-1')).toBe(false)
  })

  it('keeps the highest epoch announced', () => {
    const bus = new InProcessRevocationBus()
    const store = new BusFedRevocationStore(bus, { now })
    expect(store.currentDelegationEpoch('zone-1')).toBeUndefined()
    bus.publish({ type: 'epoch_advanced', zoneId: 'zone-1', epoch: 3 })
    bus.publish({ type: 'epoch_advanced', zoneId: 'zone-1', epoch: 2 })
    expect(store.currentDelegationEpoch('zone-1')).toBe(3)
    expect(store.currentDelegationEpoch('zone-2')).toBeUndefined()
  })

  it('fails closed while unhealthy, and when the health check throws', () => {
    const bus = new InProcessRevocationBus()
    let health: () => boolean = () => false
    const store = new BusFedRevocationStore(bus, { now, healthy: () => health() })
    expect(store.isRevoked('anything')).toBe(true)
    expect(store.currentDelegationEpoch('zone-1')).toBe(Number.MAX_SAFE_INTEGER)
    health = () => {
      throw new Error('health check broke')
    }
    expect(store.isRevoked('anything')).toBe(true)
    expect(store.currentDelegationEpoch('zone-1')).toBe(Number.MAX_SAFE_INTEGER)
    health = () => true
    expect(store.isRevoked('anything')).toBe(false)
    expect(store.currentDelegationEpoch('zone-1')).toBeUndefined()
  })

  it('passes a marking failure (store full) back to the publisher instead of dropping the revocation', () => {
    const bus = new InProcessRevocationBus()
    new BusFedRevocationStore(bus, { now, maxEntries: 1 })
    bus.publish({ type: 'anchors_revoked', zoneId: 'zone-1', anchors: ['ar-1'], reason: 'r', expiresAt: NOW + HOUR })
    expect(() => bus.publish({ type: 'anchors_revoked', zoneId: 'zone-1', anchors: ['ar-2'], reason: 'r', expiresAt: NOW + HOUR })).toThrow(AggregateError)
  })

  it('stops listening when closed; local marks still apply', () => {
    const bus = new InProcessRevocationBus()
    const store = new BusFedRevocationStore(bus, { now })
    store.close()
    expect(bus.size).toBe(0)
    bus.publish({ type: 'anchors_revoked', zoneId: 'zone-1', anchors: ['ar-1'], reason: 'r', expiresAt: NOW + HOUR })
    expect(store.isRevoked('ar-1')).toBe(false)
    store.markRevoked('ar-local')
    store.markDelegationEpoch('zone-1', 5)
    expect([store.isRevoked('ar-local'), store.currentDelegationEpoch('zone-1')]).toEqual([true, 5])
  })
})

describe('a revocation written by another process reaches the verifier', () => {
  const stores = tempStoreFactory()
  const ISS = 'http://127.0.0.1:8080'
  const ZONE = 'zone-1'
  const AUD = 'resource://files/read'
  const ring = new KeyRing()
  const options = { issuer: ISS, audience: AUD, zoneId: ZONE }
  let server: Store
  let cli: Store
  let feed: StoreRevocationFeed
  let revocations: BusFedRevocationStore
  let n = 0

  const claims = (): MandateClaims => ({
    iss: ISS, sub: 'app-1', aud: [AUD], iat: Math.floor(NOW / 1000), exp: Math.floor(NOW / 1000) + 300, jti: `j-${n}`, zone_id: ZONE,
    client_id: 'app-1', scope: 'files:read', sid: 'ar-1', root_sid: 'ar-0', use: 'resource', sub_type: 'application',
    target: [AUD], agent_session_id: 'sess-1',
  })
  const authenticate = (token: string) => authenticateMandate(token, options, { keys: ring, revocations, now: Date.now })
  const revoke = (anchor: string, kind: 'authority_record' | 'agent_session' | 'delegation_edge') =>
    cli.revocations.revoke({ anchor, zoneId: ZONE, kind, reason: 'grant_revoked', revokedAt: Date.now(), expiresAt: Date.now() + HOUR })

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    vi.setSystemTime(NOW)
    const name = `verify-${n++}.sqlite`
    server = stores.open(name)
    cli = stores.open(name)
    cli.zones.create({ id: ZONE, name: ZONE, createdAt: NOW })
    const bus = new InProcessRevocationBus()
    feed = new StoreRevocationFeed(server, bus)
    revocations = new BusFedRevocationStore(bus, { healthy: () => feed.healthy() })
    feed.start()
  })

  afterEach(() => {
    feed.stop()
    revocations.close()
    if (server.db.open) server.close()
    cli.close()
    expect(vi.getTimerCount()).toBe(0)
    vi.useRealTimers()
  })

  it.each([
    ['authority record', 'ar-1', 'authority_record'],
    ['root authority record', 'ar-0', 'authority_record'],
    ['agent session', 'sess-1', 'agent_session'],
  ] as const)('rejects with session_revoked once the %s is revoked', async (_, anchor, kind) => {
    const token = mintMandate(claims(), ring.signingKey(ZONE, NOW))
    expect((await authenticate(token)).ok).toBe(true)

    revoke(anchor, kind)
    vi.advanceTimersByTime(250)
    const result = await authenticate(token)
    expect(!result.ok && [result.error.wireCode, result.error.code, result.error.detail]).toEqual(['session_revoked', 'ERR_MANDATE_REVOKED', `revoked anchor ${anchor}`])
    const mandate = verifyMandateIdentity(token, options, ring, Date.now())
    await expect(checkActiveAuthority(mandate, revocations, Date.now())).rejects.toMatchObject({ wireCode: 'session_revoked' })
  })

  it('rejects a delegated mandate with delegation_stale after an epoch bump, and one revoked by its edge', async () => {
    cli.zones.bumpDelegationEpoch(ZONE)
    vi.advanceTimersByTime(250)
    const delegated = { ...claims(), delegation_edge_id: 'edge-1', delegation_graph_epoch: 1, hop_count: 1 }
    const token = mintMandate(delegated, ring.signingKey(ZONE, NOW))
    const plain = mintMandate(claims(), ring.signingKey(ZONE, NOW))
    expect((await authenticate(token)).ok).toBe(true)

    cli.zones.bumpDelegationEpoch(ZONE)
    vi.advanceTimersByTime(250)
    const stale = await authenticate(token)
    expect(!stale.ok && [stale.error.wireCode, stale.error.code]).toEqual(['delegation_stale', 'ERR_MANDATE_DELEGATION_STALE'])
    expect((await authenticate(plain)).ok).toBe(true) // an undelegated mandate carries no epoch

    const fresh = mintMandate({ ...delegated, delegation_graph_epoch: 2 }, ring.signingKey(ZONE, NOW))
    expect((await authenticate(fresh)).ok).toBe(true)
    revoke('edge-1', 'delegation_edge')
    vi.advanceTimersByTime(250)
    const revoked = await authenticate(fresh)
    expect(!revoked.ok && revoked.error.wireCode).toBe('session_revoked')
  })

  it('rejects every mandate once the feed has lost its database (fail closed)', async () => {
    const token = mintMandate(claims(), ring.signingKey(ZONE, NOW))
    expect((await authenticate(token)).ok).toBe(true)

    server.close()
    vi.advanceTimersByTime(750)
    expect(feed.healthy()).toBe(false)
    expect(revocations.isRevoked('never-revoked')).toBe(true)
    expect(revocations.currentDelegationEpoch(ZONE)).toBe(Number.MAX_SAFE_INTEGER)
    const result = await authenticate(token)
    expect(!result.ok && result.error.wireCode).toBe('session_revoked')
  })
})
