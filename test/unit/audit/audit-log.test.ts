// Proves the audit writer on a real SQLite file: events recorded in one turn share one commit,
// a record resolves only once its row is readable, each zone has its own gapless chain that a
// restarted writer continues, a failed commit rejects its whole batch, and nothing that looks
// like a token or secret is accepted.
import { describe, expect, it, vi } from 'vitest'
import { AuditLog, tokenFingerprint, verifyAuditChains, type AuditEvent } from '../../../src/audit/index.js'
import { openStore } from '../../../src/store/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()
const KEY = Buffer.alloc(32, 7)
const event = (zoneId: string, n: number): AuditEvent => ({
  zoneId,
  eventType: 'token_exchange',
  requestId: `req-${n}`,
  decision: n % 2 ? 'allow' : 'deny',
  evaluationStatus: n % 2 ? 'complete' : 'role_scope_mismatch',
  diagnostics: n % 2 ? [] : [{ reason: 'role_scope_mismatch' }],
  metadata: { application_id: 'app-1', resource: 'resource://files/read', requested_scopes: ['files:read'] },
})

describe('AuditLog', () => {
  it('commits everything recorded in one turn in one transaction', async () => {
    const store = stores.open()
    const appendChained = vi.spyOn(store.auditEvents, 'appendChained')
    const log = new AuditLog(store.auditEvents, { hmacKey: KEY })
    const recorded = await Promise.all(Array.from({ length: 50 }, (_, i) => log.record(event('z1', i))))
    expect(appendChained).toHaveBeenCalledTimes(1)
    expect(recorded.map((r) => r.chainSeq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
  })

  it('resolves a record only when its row can be read back', async () => {
    const store = stores.open()
    const log = new AuditLog(store.auditEvents, { hmacKey: KEY })
    const pending = log.record(event('z1', 1))
    expect(store.auditEvents.byRequestId('req-1')).toHaveLength(0)
    const { id } = await pending
    expect(store.auditEvents.byRequestId('req-1')).toMatchObject([{ id, decision: 'allow', metadataJson: '{"application_id":"app-1","requested_scopes":["files:read"],"resource":"resource://files/read"}' }])
  })

  it('keeps one gapless chain per zone, continued by a restarted writer', async () => {
    const path = stores.path('restart.sqlite')
    const first = openStore(path)
    const log = new AuditLog(first.auditEvents, { hmacKey: KEY })
    await Promise.all([log.record(event('z1', 1)), log.record(event('z2', 2)), log.record(event('z1', 3))])
    first.close()
    const second = openStore(path)
    const again = new AuditLog(second.auditEvents, { hmacKey: KEY })
    expect(await again.record(event('z1', 4))).toMatchObject({ chainSeq: 3 })
    expect(await again.record(event('z2', 5))).toMatchObject({ chainSeq: 2 })
    expect(verifyAuditChains(second.auditEvents, KEY)).toEqual([
      { zoneId: 'z1', events: 3 },
      { zoneId: 'z2', events: 2 },
    ])
    second.close()
  })

  it('rejects every event of a batch whose commit fails, and the next batch continues the chain', async () => {
    const store = stores.open()
    const log = new AuditLog(store.auditEvents, { hmacKey: KEY })
    await log.record(event('z1', 1))
    const appendChained = vi.spyOn(store.auditEvents, 'appendChained').mockImplementationOnce(() => {
      throw new Error('disk I/O error')
    })
    const batch = [log.record(event('z1', 2)), log.record(event('z1', 3))]
    await expect(Promise.all(batch.map((p) => p.catch((e: Error) => e.message)))).resolves.toEqual(['disk I/O error', 'disk I/O error'])
    appendChained.mockRestore()
    expect(await log.record(event('z1', 4))).toMatchObject({ chainSeq: 2 })
    expect(verifyAuditChains(store.auditEvents, KEY)).toEqual([{ zoneId: 'z1', events: 2 }])
  })

  it('writes a token-looking value as its fingerprint, and refuses secret fields', async () => {
    const store = stores.open()
    const log = new AuditLog(store.auditEvents, { hmacKey: KEY })
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhcHAtMSJ9.c2lnbmF0dXJl'
    expect(() => log.record({ ...event('z1', 1), metadata: { client_secret: 'hunter2' } })).toThrow(/may hold a secret/)
    expect(() => log.record({ ...event('z1', 1), metadata: { subject_token: 'x' } })).toThrow(/may hold a secret/)
    await log.record({ ...event('z1', 1), metadata: { resource: [jwt], nested: { bearer: jwt } } })
    const [row] = store.auditEvents.tail('z1', 10)
    expect(row!.metadataJson).not.toContain('eyJ')
    expect(JSON.parse(row!.metadataJson)).toEqual({ resource: [`[token ${tokenFingerprint(jwt)}]`], nested: { bearer: `[token ${tokenFingerprint(jwt)}]` } })
  })

  it('continues the chain another process appended to the same database', async () => {
    const path = stores.path('two-writers.sqlite')
    const a = openStore(path)
    const b = openStore(path)
    const logA = new AuditLog(a.auditEvents, { hmacKey: KEY })
    const logB = new AuditLog(b.auditEvents, { hmacKey: KEY })
    await logA.record(event('z1', 1))
    await logB.record(event('z1', 2))
    expect(await logA.record(event('z1', 3))).toMatchObject({ chainSeq: 3 })
    expect(verifyAuditChains(a.auditEvents, KEY)).toEqual([{ zoneId: 'z1', events: 3 }])
    a.close()
    b.close()
  })

  it('refuses an HMAC key shorter than 32 bytes', () => {
    expect(() => new AuditLog(stores.open().auditEvents, { hmacKey: Buffer.alloc(16) })).toThrow(TypeError)
  })
})

describe('tokenFingerprint', () => {
  it('is the first 8 bytes of SHA-256 in hex', () => {
    expect(tokenFingerprint('abc')).toBe('ba7816bf8f01cfea')
  })
})
