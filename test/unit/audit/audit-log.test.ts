// Proves the audit writer on a real SQLite file: events recorded in one turn share one commit,
// a record resolves only once its row is readable, each zone has its own gapless chain that a
// restarted writer continues, a failure of the database rejects its whole batch while a row the
// database refuses (or an event that cannot be written) fails alone, plain-text fields never
// hold a control character, and nothing that looks like a token or secret is accepted.
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { describe, expect, it, vi } from 'vitest'
import { generateSecret } from '../../../src/application/index.js'
import { AuditLog, isSecretKey, tokenFingerprint, verifyAuditChains, type AuditEvent } from '../../../src/audit/index.js'
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
    expect(verifyAuditChains(second.auditEvents, KEY)).toMatchObject([
      { zoneId: 'z1', events: 3, head: { chainSeq: 3 } },
      { zoneId: 'z2', events: 2, head: { chainSeq: 2 } },
    ])
    expect(verifyAuditChains(second.auditEvents, KEY).map((r) => r.firstBreak)).toEqual([undefined, undefined])
    second.close()
  })

  it('rejects every event of a batch when the database itself fails, without retrying each, and the next batch continues the chain', async () => {
    const store = stores.open()
    const log = new AuditLog(store.auditEvents, { hmacKey: KEY })
    await log.record(event('z1', 1))
    const appendChained = vi.spyOn(store.auditEvents, 'appendChained').mockImplementation(() => {
      throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR')
    })
    const batch = [log.record(event('z1', 2)), log.record(event('z1', 3))]
    await expect(Promise.all(batch.map((p) => p.catch((e: Error) => e.message)))).resolves.toEqual(['disk I/O error', 'disk I/O error'])
    expect(appendChained).toHaveBeenCalledTimes(1)
    appendChained.mockRestore()
    expect(await log.record(event('z1', 4))).toMatchObject({ chainSeq: 2 })
    expect(verifyAuditChains(store.auditEvents, KEY)).toMatchObject([{ zoneId: 'z1', events: 2 }])
    expect(verifyAuditChains(store.auditEvents, KEY)[0]!.firstBreak).toBeUndefined()
  })

  it('fails only the row the database refuses: the rest of its batch is committed one by one, in order', async () => {
    const store = stores.open()
    // A per-row refusal from SQLite itself, as a constraint would give.
    store.db.exec("CREATE TRIGGER poison BEFORE INSERT ON audit_events WHEN NEW.request_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END")
    const log = new AuditLog(store.auditEvents, { hmacKey: KEY })
    const batch = [log.record(event('z1', 1)), log.record({ ...event('z1', 2), requestId: 'poison' }), log.record(event('z1', 3))]
    const settled = await Promise.allSettled(batch)
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'poisoned row' })
    expect(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.chainSeq] : []))).toEqual([1, 2])
    expect(store.auditEvents.tail('z1', 10).map((r) => r.requestId)).toEqual(['req-3', 'req-1'])
    expect(verifyAuditChains(store.auditEvents, KEY)[0]!.firstBreak).toBeUndefined()
  })

  it('rejects an event missing a required field on its own promise, never synchronously, and commits its neighbours', async () => {
    const store = stores.open()
    const log = new AuditLog(store.auditEvents, { hmacKey: KEY })
    const bad = { ...event('z1', 2), requestId: undefined } as unknown as AuditEvent
    let pending: Promise<unknown> | undefined
    const first = log.record(event('z1', 1))
    expect(() => (pending = log.record(bad))).not.toThrow()
    const third = log.record(event('z1', 3))
    await expect(pending).rejects.toThrow(new TypeError('event.requestId must be a non-empty string'))
    expect([(await first).chainSeq, (await third).chainSeq]).toEqual([1, 2])
    for (const field of ['zoneId', 'eventType', 'decision', 'evaluationStatus'] as const) {
      await expect(log.record({ ...event('z1', 4), [field]: '' })).rejects.toThrow(`event.${field} must be a non-empty string`)
    }
    await expect(log.record({ ...event('z1', 4), occurredAt: new Date(Number.NaN) })).rejects.toThrow(TypeError)
    await expect(log.record(null as unknown as AuditEvent)).rejects.toThrow(TypeError)
  })

  it('replaces control characters in plain-text fields with U+FFFD; the JSON columns escape them', async () => {
    const store = stores.open()
    const log = new AuditLog(store.auditEvents, { hmacKey: KEY })
    await log.record({ ...event('z1', 1), requestId: 'req\u001f1', decision: 'allow\u0000', evaluationStatus: 'x\ny', policySetId: 'p\u001f', policySetVersionId: 'v\u001b', manifestSha: 'm\u0007', metadata: { 'k\u001f': 'v\u001f' } })
    const [row] = store.auditEvents.tail('z1', 1)
    expect(row).toMatchObject({ requestId: 'req\ufffd1', decision: 'allow\ufffd', evaluationStatus: 'x\ufffdy', policySetId: 'p\ufffd', policySetVersionId: 'v\ufffd', manifestSha: 'm\ufffd' })
    expect(row!.metadataJson).toBe('{"k\\u001f":"v\\u001f"}')
    expect(Object.values(row!).some((v) => typeof v === 'string' && /[\u0000-\u001f]/.test(v))).toBe(false)
    expect(verifyAuditChains(store.auditEvents, KEY)[0]!.firstBreak).toBeUndefined()
    // A zone id picks the chain: it is refused, never rewritten into another zone's name.
    await expect(log.record(event('z\u001f1', 2))).rejects.toThrow('event.zoneId must not contain control characters')
  })

  it('refuses a value JSON cannot hold, naming where it is', async () => {
    const log = new AuditLog(stores.open().auditEvents, { hmacKey: KEY })
    await expect(log.record({ ...event('z1', 1), metadata: { at: new Date(0) } })).rejects.toThrow('event.metadata: canonical JSON has no representation for a Date at $.at')
    await expect(log.record({ ...event('z1', 1), diagnostics: [{ seen: new Set([1]) }] })).rejects.toThrow('event.diagnostics: canonical JSON has no representation for a Set at $[0].seen')
  })

  it('writes a token-looking value as its fingerprint, and refuses secret fields', async () => {
    const store = stores.open()
    const log = new AuditLog(store.auditEvents, { hmacKey: KEY })
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhcHAtMSJ9.c2lnbmF0dXJl'
    await expect(log.record({ ...event('z1', 1), metadata: { client_secret: 'hunter2' } })).rejects.toThrow(/may hold a secret/)
    await expect(log.record({ ...event('z1', 1), metadata: { subject_token: 'x' } })).rejects.toThrow(/may hold a secret/)
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
    expect(verifyAuditChains(a.auditEvents, KEY)).toMatchObject([{ zoneId: 'z1', events: 3 }])
    expect(verifyAuditChains(a.auditEvents, KEY)[0]!.firstBreak).toBeUndefined()
    a.close()
    b.close()
  })

  it('refuses secret fields however they are spelled, and leaves names that only mention a token', async () => {
    const log = new AuditLog(stores.open().auditEvents, { hmacKey: KEY })
    const secretNames = ['accessToken', 'refreshToken', 'access_token', 'id-token', 'apiKey', 'api_key', 'x-api-key', 'X-API-Key', 'authorization', 'proxy-authorization', 'Proxy-Authorization', 'clientSecret', 'client_secret', 'cookie', 'set-cookie', 'Set-Cookie', 'privateKey', 'password']
    for (const name of secretNames) {
      expect(isSecretKey(name), name).toBe(true)
      await expect(log.record({ ...event('z1', 1), metadata: { headers: { [name]: 'x' } } })).rejects.toThrow(`event.metadata.headers.${name} may hold a secret`)
    }
    for (const name of ['token_type', 'subject_token_type', 'requested_token_type', 'tokens_minted', 'token_fingerprint', 'cookie_count', 'application_id', 'privacy_mode', 'resource', 'requested_scopes']) expect(isSecretKey(name), name).toBe(false)
  })

  it('writes a secret of ours (client secret cmcs_, admin token cmat_) as its fingerprint', async () => {
    const store = stores.open()
    const log = new AuditLog(store.auditEvents, { hmacKey: KEY })
    const clientSecret = generateSecret()
    const adminToken = `cmat_${randomBytes(32).toString('base64url')}`
    await log.record({ ...event('z1', 1), metadata: { resource: clientSecret, note: [`pasted ${adminToken} by mistake`] } })
    const [row] = store.auditEvents.tail('z1', 1)
    expect(row!.metadataJson).not.toMatch(/cmcs_|cmat_/)
    expect(JSON.parse(row!.metadataJson)).toEqual({ resource: `[secret ${tokenFingerprint(clientSecret)}]`, note: [`[secret ${tokenFingerprint(`pasted ${adminToken} by mistake`)}]`] })
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
