// The store feed on a real SQLite file: at start it publishes every live revocation and each
// zone's epoch; afterwards it publishes, once each, what a *second* connection on the same file
// writes (as the CLI would), including epochs of zones created later; it skips expired rows;
// it redelivers what a subscriber failed on; and it turns unhealthy when its database breaks or
// goes quiet for too long. Timers and the wall clock are faked; nothing is left running.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { InProcessRevocationBus, RevocationFeedError, StoreRevocationFeed, type RevocationEvent, type RevocationSource } from '../../../src/revocation/index.js'
import type { AnchorKind, Store } from '../../../src/store/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const NOW = 1_790_000_100_000
const HOUR = 3_600_000
const stores = tempStoreFactory()
let n = 0
const feeds: StoreRevocationFeed[] = []
const opened: Store[] = []

/** Two connections on one file: the server's (followed by the feed) and the CLI's (the writer). */
function world(zones: string[] = ['zone-1']): { server: Store; cli: Store } {
  const name = `feed-${n++}.sqlite`
  const server = stores.open(name)
  const cli = stores.open(name)
  opened.push(server, cli)
  for (const id of zones) cli.zones.create({ id, name: id, createdAt: NOW })
  return { server, cli }
}

function revoke(store: Store, anchor: string, expiresAt = NOW + HOUR, kind: AnchorKind = 'authority_record', zoneId = 'zone-1'): void {
  store.revocations.revoke({ anchor, zoneId, kind, reason: 'grant_revoked', revokedAt: Date.now(), expiresAt })
}

function follow(source: RevocationSource, options: ConstructorParameters<typeof StoreRevocationFeed>[2] = {}) {
  const bus = new InProcessRevocationBus()
  const events: RevocationEvent[] = []
  bus.subscribe((e) => events.push(e))
  const feed = new StoreRevocationFeed(source, bus, options)
  feeds.push(feed)
  return { bus, feed, events }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
  vi.setSystemTime(NOW)
})

afterEach(() => {
  for (const feed of feeds.splice(0)) feed.stop()
  for (const store of opened.splice(0)) if (store.db.open) store.close()
  expect(vi.getTimerCount()).toBe(0)
  vi.useRealTimers()
})

describe('StoreRevocationFeed', () => {
  it('publishes every live revocation and each zone epoch at start, paging, and skips expired rows', () => {
    const { server, cli } = world(['zone-1', 'zone-2'])
    revoke(cli, 'ar-1')
    revoke(cli, 'ar-old', NOW - 1)
    revoke(cli, 'sess-1', NOW + 2 * HOUR, 'agent_session')
    revoke(cli, 'edge-1', NOW + HOUR, 'delegation_edge', 'zone-2')
    cli.zones.bumpDelegationEpoch('zone-2')
    cli.zones.bumpDelegationEpoch('zone-2')

    const { feed, events } = follow(server, { pageSize: 2 })
    feed.start()

    expect(events).toEqual([
      { type: 'anchors_revoked', zoneId: 'zone-1', anchors: ['ar-1'], reason: 'grant_revoked', expiresAt: NOW + HOUR },
      { type: 'anchors_revoked', zoneId: 'zone-1', anchors: ['sess-1'], reason: 'grant_revoked', expiresAt: NOW + 2 * HOUR },
      { type: 'anchors_revoked', zoneId: 'zone-2', anchors: ['edge-1'], reason: 'grant_revoked', expiresAt: NOW + HOUR },
      { type: 'epoch_advanced', zoneId: 'zone-2', epoch: 2 },
    ])
    expect(feed.cursor).toBe(4)
    expect(feed.healthy()).toBe(true)
  })

  it('then publishes, once each, revocations and epoch bumps written through a second connection', () => {
    const { server, cli } = world()
    const { feed, events } = follow(server)
    feed.start()
    expect(events).toEqual([])

    revoke(cli, 'ar-2')
    cli.zones.bumpDelegationEpoch('zone-1')
    vi.advanceTimersByTime(249)
    expect(events).toEqual([])
    vi.advanceTimersByTime(1)
    expect(events).toEqual([
      { type: 'anchors_revoked', zoneId: 'zone-1', anchors: ['ar-2'], reason: 'grant_revoked', expiresAt: NOW + HOUR },
      { type: 'epoch_advanced', zoneId: 'zone-1', epoch: 1 },
    ])

    vi.advanceTimersByTime(1000)
    expect(events).toHaveLength(2)

    // A zone the CLI creates after start is followed from the next poll.
    cli.zones.create({ id: 'zone-new', name: 'zone-new', createdAt: NOW })
    cli.zones.bumpDelegationEpoch('zone-new')
    cli.zones.bumpDelegationEpoch('zone-1')
    vi.advanceTimersByTime(250)
    expect(events.slice(2)).toEqual([
      { type: 'epoch_advanced', zoneId: 'zone-1', epoch: 2 },
      { type: 'epoch_advanced', zoneId: 'zone-new', epoch: 1 },
    ])
  })

  it('does not publish a row that is already expired when it is read, but moves past it', () => {
    const { server, cli } = world()
    const { feed, events } = follow(server)
    feed.start()
    revoke(cli, 'ar-short', NOW + 100)
    vi.advanceTimersByTime(150) // not yet polled; the row's life ends before the poll
    revoke(cli, 'ar-live')
    vi.advanceTimersByTime(100)
    expect(events).toMatchObject([{ anchors: ['ar-live'] }])
    expect(feed.cursor).toBe(2)
  })

  it('publishes again what a subscriber failed on, counting the failed poll', () => {
    const { server, cli } = world()
    revoke(cli, 'ar-1')
    const { bus, feed, events } = follow(server)
    let failNext = true
    bus.subscribe(() => {
      if (failNext) {
        failNext = false
        throw new Error('cache unavailable')
      }
    })

    feed.start()
    expect(feed.healthy()).toBe(false) // never caught up
    expect(feed.failures).toBe(1)
    expect(feed.cursor).toBe(0)
    expect(feed.lastError).toBeInstanceOf(RevocationFeedError)
    expect(feed.lastError?.code).toBe('ERR_REVOCATION_FEED_FAILED')
    expect(feed.lastError?.cause).toBeInstanceOf(AggregateError)

    vi.advanceTimersByTime(250)
    expect(events.map((e) => e.type === 'anchors_revoked' && e.anchors[0])).toEqual(['ar-1', 'ar-1'])
    expect(feed.cursor).toBe(1)
    expect(feed.healthy()).toBe(true)
    expect(feed.consecutiveFailures).toBe(0)
  })

  it('survives a closed database: counts failures and turns unhealthy after maxConsecutiveFailures', () => {
    const { server } = world()
    const { feed } = follow(server, { maxConsecutiveFailures: 3 })
    feed.start()
    expect(feed.healthy()).toBe(true)

    server.close()
    vi.advanceTimersByTime(500)
    expect(feed.consecutiveFailures).toBe(2)
    expect(feed.healthy()).toBe(true)
    vi.advanceTimersByTime(250)
    expect(feed.healthy()).toBe(false)
    expect(feed.failures).toBe(3)
    expect(feed.lastError?.message).toMatch(/^revocation poll failed: .*not open/)
  })

  it('turns unhealthy when no poll succeeded for maxStalenessMs, and healthy again on recovery', () => {
    const { server } = world()
    let broken = false
    const source: RevocationSource = {
      revocations: { since: (seq, limit) => (broken ? failWith('SQLITE_IOERR') : server.revocations.since(seq, limit)) },
      zones: server.zones,
    }
    const { feed } = follow(source, { maxConsecutiveFailures: 1_000_000 })
    feed.start()
    broken = true
    vi.advanceTimersByTime(70_000)
    expect(feed.healthy()).toBe(true)
    vi.advanceTimersByTime(250)
    expect(feed.healthy()).toBe(false)
    expect(feed.lastSuccessAt).toBe(NOW)

    broken = false
    vi.advanceTimersByTime(250)
    expect(feed.healthy()).toBe(true)
    expect(feed.lastError?.cause).toMatchObject({ message: 'SQLITE_IOERR' }) // kept for diagnostics
  })

  it('is unhealthy before start and after stop, and stop leaves no timer behind', () => {
    const { server } = world()
    const { feed } = follow(server)
    expect(feed.healthy()).toBe(false)
    feed.start()
    feed.start()
    expect(vi.getTimerCount()).toBe(1)
    feed.stop()
    expect(vi.getTimerCount()).toBe(0)
    expect(feed.healthy()).toBe(false)
  })

  it.each([
    [{ intervalMs: 0 }],
    [{ intervalMs: 1.5 }],
    [{ maxStalenessMs: -1 }],
    [{ maxConsecutiveFailures: 0 }],
    [{ pageSize: Number.NaN }],
    [{ intervalMs: 70_000, maxStalenessMs: 70_000 }],
  ])('refuses options %o at construction', (options) => {
    const { server } = world()
    expect(() => new StoreRevocationFeed(server, new InProcessRevocationBus(), options)).toThrow(TypeError)
  })
})

function failWith(message: string): never {
  throw new Error(message)
}
