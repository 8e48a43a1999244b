// Proves the store on a real SQLite file: migrations apply once and refuse a newer schema, rows
// round-trip, identities conflict instead of being overwritten, and audit rows cannot be
// updated or deleted through SQL.
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { AuditLog, verifyAuditChains } from '../../../src/audit/index.js'
import { MIGRATIONS, Store, StoreConflictError, StoreNotFoundError, StoreSchemaError, openStore } from '../../../src/store/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()

describe('migrations', () => {
  it('bring a new database to the newest version, in WAL mode, and are idempotent', () => {
    const store = stores.open('m.sqlite')
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
    store.close()
    const again = openStore(stores.path('m.sqlite'))
    const versions = again.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })))
    again.close()
  })

  it('carry an audit chain written before version 7 over whole: same rows, still verified, still append-only', async () => {
    const path = stores.path('v6.sqlite')
    const raw = new Database(path)
    raw.pragma('journal_mode = WAL')
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
    for (const m of MIGRATIONS.filter((m) => m.version <= 6)) {
      raw.exec(m.sql)
      raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)').run(m.version, m.name)
    }
    const key = Buffer.alloc(32, 3)
    const log = new AuditLog(new Store(raw).auditEvents, { hmacKey: key })
    for (const zoneId of ['z1', 'z2', 'z1']) await log.record({ zoneId, eventType: 'tool_call', requestId: `req-${zoneId}`, decision: 'allow', evaluationStatus: 'complete', metadata: { zoneId } })
    const before = raw.prepare('SELECT * FROM audit_events ORDER BY zone_id, chain_seq').all()
    raw.close()

    const store = openStore(path)
    expect(store.db.prepare('SELECT * FROM audit_events ORDER BY zone_id, chain_seq').all()).toEqual(before)
    expect(verifyAuditChains(store.auditEvents, key).map((r) => [r.zoneId, r.events, r.firstBreak])).toEqual([['z1', 2, undefined], ['z2', 1, undefined]])
    expect(() => store.db.exec("UPDATE audit_events SET decision = 'deny'")).toThrow(/append-only/)
    expect(() => store.db.exec('DELETE FROM audit_events')).toThrow(/append-only/)
    expect(store.auditEvents.byRequestId('req-z1')).toHaveLength(2)
    // Its table, index and triggers are those of a database created at the newest version.
    const schema = (s: Store) => s.db.prepare("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'audit_events' ORDER BY name").all()
    const fresh = stores.open('v7.sqlite')
    expect(schema(store)).toEqual(schema(fresh))
    expect(schema(store).map((r) => (r as { name: string }).name)).toEqual(['audit_events', 'audit_events_no_delete', 'audit_events_no_update', 'audit_events_request_zone', 'sqlite_autoindex_audit_events_1'])
    fresh.close()
    store.close()
  })

  it('refuse a database written by a newer caracal-mcp', () => {
    stores.open('newer.sqlite').close()
    const raw = new Database(stores.path('newer.sqlite'))
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future')
    raw.close()
    expect(() => openStore(stores.path('newer.sqlite'))).toThrow(StoreSchemaError)
  })
})

describe('repositories', () => {
  it('refuse a second zone or application with the same id', () => {
    const store = stores.open()
    store.zones.create({ id: 'z1', name: 'Zone 1', createdAt: 1 })
    expect(() => store.zones.create({ id: 'z1', name: 'again', createdAt: 2 })).toThrow(StoreConflictError)
    const app = { id: 'a1', zoneId: 'z1', name: 'A', registrationMethod: 'managed' as const, secretHash: 'h', status: 'active' as const, createdAt: 1, updatedAt: 1 }
    store.applications.create(app)
    expect(() => store.applications.create(app)).toThrow(StoreConflictError)
    expect(store.zones.get('z1')).toEqual({ id: 'z1', name: 'Zone 1', createdAt: 1 })
  })

  it('refuse an application in a zone that does not exist', () => {
    const store = stores.open()
    expect(() =>
      store.applications.create({ id: 'a1', zoneId: 'nope', name: 'A', registrationMethod: 'managed', secretHash: 'h', status: 'active', createdAt: 1, updatedAt: 1 }),
    ).toThrow(/FOREIGN KEY/)
  })

  it('update application status and secret, and name the missing one', () => {
    const store = stores.open()
    store.zones.create({ id: 'z1', name: 'Z', createdAt: 1 })
    store.applications.create({ id: 'a1', zoneId: 'z1', name: 'A', registrationMethod: 'dcr', secretHash: 'h1', status: 'active', createdAt: 1, updatedAt: 1 })
    store.applications.setStatus('a1', 'disabled', 5)
    store.applications.setSecretHash('a1', 'h2', 6)
    expect(store.applications.get('a1')).toMatchObject({ status: 'disabled', secretHash: 'h2', updatedAt: 6 })
    expect(() => store.applications.setStatus('a9', 'disabled', 7)).toThrow(StoreNotFoundError)
  })

  it('re-register a resource in place: same row id, new scopes', () => {
    const store = stores.open()
    store.zones.create({ id: 'z1', name: 'Z', createdAt: 1 })
    const first = store.resources.register('z1', 'resource://files/read', ['files:read'], 'r-1', 1)
    const again = store.resources.register('z1', 'resource://files/read', ['files:list', 'files:read', 'files:read'], 'r-2', 2)
    expect(again).toEqual({ ...first, scopes: ['files:list', 'files:read'], updatedAt: 2 })
    expect(store.resources.get('z1', "resource://x' OR '1'='1")).toBeUndefined()
  })

  it('refuse updates and deletes of audit rows', () => {
    const store = stores.open()
    store.auditEvents.appendChained(() => [
      {
        zoneId: 'z1', chainSeq: 1, id: 'e1', eventType: 'token_exchange', requestId: 'r', decision: 'allow', policySetId: '', policySetVersionId: '',
        manifestSha: '', evaluationStatus: 'complete', determiningPoliciesJson: '[]', diagnosticsJson: '[]', metadataJson: '{}',
        occurredAt: '2026-11-25T00:00:00.000Z', contentSha256: 'c', prevContentSha256: '', chainHmac: 'h',
      },
    ])
    expect(() => store.db.prepare("UPDATE audit_events SET decision = 'deny'").run()).toThrow(/append-only/)
    expect(() => store.db.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/)
  })
})

describe('revocations', () => {
  it('gives a repeated revocation a new seq, keeps the first live reason and the later expiry', () => {
    const store = stores.open()
    store.revocations.revoke({ anchor: 'a', zoneId: 'z', kind: 'agent_session', reason: 'first', revokedAt: 1000, expiresAt: 5000 })
    const first = store.revocations.since(0)[0]!
    store.revocations.revoke({ anchor: 'a', zoneId: 'z', kind: 'agent_session', reason: 'second', revokedAt: 2000, expiresAt: 9000 })
    const rows = store.revocations.since(0)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ anchor: 'a', reason: 'first', revokedAt: 1000, expiresAt: 9000 })
    expect(rows[0]!.seq).toBeGreaterThan(first.seq)
    // After the first expired, a new revocation is a new one.
    store.revocations.revoke({ anchor: 'a', zoneId: 'z', kind: 'agent_session', reason: 'third', revokedAt: 10_000, expiresAt: 20_000 })
    expect(store.revocations.get('a', 10_001)).toMatchObject({ reason: 'third', revokedAt: 10_000, expiresAt: 20_000 })
    expect(store.revocations.firstRevoked(['x', 'a'], 10_001)).toBe('a')
    expect(store.revocations.firstRevoked(['x', undefined], 10_001)).toBeUndefined()
  })
})

describe('housekeeping', () => {
  it('forgets expired jtis (issued and presented), expired revocations and day-old idempotency keys, and nothing live', async () => {
    const { purgeExpired } = await import('../../../src/store/index.js')
    const store = stores.open()
    const now = 10_000_000_000
    store.issuedJtis.register('old', 'z', now - 1)
    store.issuedJtis.register('live', 'z', now + 1000)
    store.issuedJtis.markPresented('old-presented', 'z', now - 1)
    store.issuedJtis.markPresented('live-presented', 'z', now + 1000)
    store.revocations.revoke({ anchor: 'old-anchor', zoneId: 'z', kind: 'agent_session', reason: 'r', revokedAt: now - 10, expiresAt: now - 1 })
    store.revocations.revoke({ anchor: 'live-anchor', zoneId: 'z', kind: 'agent_session', reason: 'r', revokedAt: now - 10, expiresAt: now + 1000 })
    expect(purgeExpired(store, now)).toMatchObject({ jtis: 2, revocations: 1 })
    expect(store.issuedJtis.register('live', 'z', now + 1000)).toBe(false)
    expect(store.issuedJtis.wasPresented('live-presented')).toBe(true)
    expect(store.issuedJtis.wasPresented('old-presented')).toBe(false)
    expect(store.revocations.get('live-anchor', now)).toBeDefined()
  })
})
