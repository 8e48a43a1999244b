// Proves `audit verify` names the first broken row for each kind of tampering: an edited row, a
// removed row, a row forged without the HMAC key, a chain checked with the wrong key, a time
// rewritten in another spelling, a row whose fields hold the separator, a zone whose chain is gone,
// and (with a head kept elsewhere) rows cut from the end. The tampering goes around the
// append-only triggers, as someone editing the file would. What it does not prove: that a cut
// tail is visible without an expected head (it is not: the shorter chain is a valid chain).
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { AuditLog, chainHmac, contentSha256, isStoredOccurredAt, msToNanos, occurredAtNanos, parseExpectedHead, verifyAuditChains, type AuditEvent } from '../../../src/audit/index.js'
import { openStore, type AuditEventRow } from '../../../src/store/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()
const KEY = Buffer.alloc(32, 9)
const event = (n: number): AuditEvent => ({ zoneId: 'z1', eventType: 'tool_call', requestId: `req-${n}`, decision: 'allow', evaluationStatus: 'complete', metadata: { n } })

async function chainOf(length: number): Promise<string> {
  const path = stores.path(`chain-${Math.random().toString(36).slice(2)}.sqlite`)
  const store = openStore(path)
  const log = new AuditLog(store.auditEvents, { hmacKey: KEY })
  for (let i = 1; i <= length; i++) await log.record(event(i))
  store.close()
  return path
}

function tamper(path: string, sql: string, ...params: unknown[]): void {
  const db = new Database(path)
  db.exec('DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete;')
  db.prepare(sql).run(...params)
  db.close()
}

function verify(path: string, key = KEY, options: Parameters<typeof verifyAuditChains>[2] = {}) {
  const store = openStore(path)
  try {
    return verifyAuditChains(store.auditEvents, key, options)
  } finally {
    store.close()
  }
}

function rowAt(path: string, seq: number): AuditEventRow {
  const store = openStore(path)
  try {
    return [...store.auditEvents.iterateZone('z1')].find((r) => r.chainSeq === seq)!
  } finally {
    store.close()
  }
}

describe('verifyAuditChains', () => {
  it('finds no break in an untouched chain, and reports its head', async () => {
    const path = await chainOf(5)
    expect(verify(path)).toEqual([{ zoneId: 'z1', events: 5, head: { chainSeq: 5, contentSha256: rowAt(path, 5).contentSha256 } }])
  })

  it('names an edited row', async () => {
    const path = await chainOf(5)
    tamper(path, "UPDATE audit_events SET decision = 'deny' WHERE chain_seq = 3")
    expect(verify(path)[0]!.firstBreak).toMatchObject({ chainSeq: 3, reason: 'content_hash_mismatch' })
  })

  it('names the row after a removed one', async () => {
    const path = await chainOf(5)
    tamper(path, 'DELETE FROM audit_events WHERE chain_seq = 2')
    expect(verify(path)[0]!.firstBreak).toMatchObject({ chainSeq: 3, reason: 'sequence_gap' })
  })

  it('names a row rewritten with a correct content hash but without the HMAC key', async () => {
    const path = await chainOf(4)
    const db = new Database(path)
    const row = db.prepare('SELECT * FROM audit_events WHERE chain_seq = 2').get() as Record<string, string>
    db.close()
    const forged = contentSha256({
      id: row.id!, zoneId: row.zone_id!, eventType: row.event_type!, requestId: row.request_id!, decision: 'deny', policySetId: '', policySetVersionId: '',
      manifestSha: '', evaluationStatus: row.evaluation_status!, determiningPoliciesJson: row.determining_policies_json!, diagnosticsJson: row.diagnostics_json!,
      metadataJson: row.metadata_json!, occurredAt: row.occurred_at!,
    })
    tamper(path, "UPDATE audit_events SET decision = 'deny', content_sha256 = ? WHERE chain_seq = 2", forged)
    expect(verify(path)[0]!.firstBreak).toMatchObject({ chainSeq: 2, reason: 'hmac_mismatch' })
  })

  it('names the first row when checked with another key', async () => {
    expect(verify(await chainOf(2), Buffer.alloc(32, 1))[0]!.firstBreak).toMatchObject({ chainSeq: 1, reason: 'hmac_mismatch' })
  })
})

describe('verifyAuditChains: what the chain alone cannot show', () => {
  it('calls a zone of the zones table without rows a missing chain, as a zone whose rows were all deleted', async () => {
    const path = await chainOf(2)
    const store = openStore(path)
    store.zones.create({ id: 'z0', name: 'z0', createdAt: 0 })
    store.close()
    expect(verify(path)).toEqual([{ zoneId: 'z0', events: 0, firstBreak: { chainSeq: 1, reason: 'chain_missing' } }, expect.objectContaining({ zoneId: 'z1', events: 2 })])
    expect(verify(path)[1]!.firstBreak).toBeUndefined()
  })

  it('lets a cut tail verify on its own, and names it against a head kept elsewhere', async () => {
    const path = await chainOf(5)
    const kept = { zoneId: 'z1', chainSeq: 5, contentSha256: rowAt(path, 5).contentSha256 }
    expect(verify(path, KEY, { expectedHeads: [kept] })[0]!.firstBreak).toBeUndefined()
    tamper(path, 'DELETE FROM audit_events WHERE chain_seq >= 4')
    expect(verify(path)).toEqual([{ zoneId: 'z1', events: 3, head: { chainSeq: 3, contentSha256: rowAt(path, 3).contentSha256 } }])
    expect(verify(path, KEY, { expectedHeads: [kept] })[0]!.firstBreak).toEqual({ chainSeq: 5, reason: 'head_missing' })
    // The same seq with another hash: the chain was cut and regrown.
    const other = { ...kept, chainSeq: 3, contentSha256: 'ab'.repeat(32) }
    expect(verify(path, KEY, { expectedHeads: [other] })[0]!.firstBreak).toMatchObject({ chainSeq: 3, reason: 'head_mismatch', id: rowAt(path, 3).id })
  })

  it('names a head of a zone that has no chain at all, and refuses a head outside the zone asked for', async () => {
    const path = await chainOf(1)
    expect(verify(path, KEY, { expectedHeads: [{ zoneId: 'gone', chainSeq: 1, contentSha256: 'ab'.repeat(32) }] })).toContainEqual({ zoneId: 'gone', events: 0, firstBreak: { chainSeq: 1, reason: 'chain_missing' } })
    expect(() => verify(path, KEY, { zoneId: 'z1', expectedHeads: [{ zoneId: 'z2', chainSeq: 1, contentSha256: 'ab'.repeat(32) }] })).toThrow(TypeError)
  })

  it('refuses a time stored in another spelling of the same instant, though the hash and HMAC still match', async () => {
    const path = await chainOf(3)
    const stored = rowAt(path, 2).occurredAt
    const ms = Date.parse(stored)
    const shifted = new Date(ms + 3_600_000).toISOString().replace('Z', '+01:00')
    for (const spelling of [shifted, stored.replace('Z', '000Z'), stored.replace('Z', '0009Z')]) {
      expect(occurredAtNanos(spelling)).toBe(occurredAtNanos(stored))
      tamper(path, 'UPDATE audit_events SET occurred_at = ? WHERE chain_seq = 2', spelling)
      expect(verify(path)[0]!.firstBreak, spelling).toMatchObject({ chainSeq: 2, reason: 'occurred_at_not_canonical' })
    }
  })

  it('refuses a row whose fields hold the separator, which could hash like a row with other field boundaries', async () => {
    const fields = { id: 'x', zoneId: 'z1', eventType: 'tool_call', requestId: 'r', policySetVersionId: '', manifestSha: '', evaluationStatus: 'complete', determiningPoliciesJson: '[]', diagnosticsJson: '[]', metadataJson: '{}', occurredAt: '2026-01-01T00:00:00.000Z' }
    // Why: the boundary moved from one field to the next, the same bytes hashed.
    expect(contentSha256({ ...fields, decision: 'allow\u001fx', policySetId: '' })).toBe(contentSha256({ ...fields, decision: 'allow', policySetId: 'x\u001f' }))
    // A row as a writer without the cleaning would have stored it: hash and HMAC correct.
    const path = stores.path(`separator-${Math.random().toString(36).slice(2)}.sqlite`)
    const store = openStore(path)
    store.auditEvents.appendChained(() => {
      const content = { ...fields, decision: 'allow\u001fx', policySetId: '' }
      const sha = contentSha256(content)
      return [{ ...content, chainSeq: 1, contentSha256: sha, prevContentSha256: '', chainHmac: chainHmac(KEY, sha, '') }]
    })
    store.close()
    expect(verify(path)[0]!.firstBreak).toEqual({ chainSeq: 1, id: 'x', reason: 'field_separator_in_field' })
  })
})

describe('isStoredOccurredAt and parseExpectedHead', () => {
  it('accept exactly what the writer stores and what verify prints', () => {
    expect(isStoredOccurredAt('2026-11-25T08:00:00.123Z')).toBe(true)
    for (const bad of ['2026-11-25T08:00:00Z', '2026-11-25T08:00:00.123+00:00', '2026-11-25T08:00:00.123456Z', '2026-02-30T08:00:00.000Z', '2026-11-25t08:00:00.123z', ' 2026-11-25T08:00:00.123Z']) expect(isStoredOccurredAt(bad), bad).toBe(false)
    expect(parseExpectedHead(`z1:12:${'AB'.repeat(32)}`)).toEqual({ zoneId: 'z1', chainSeq: 12, contentSha256: 'ab'.repeat(32) })
    for (const bad of ['z1:12', `z1:0:${'ab'.repeat(32)}`, `:1:${'ab'.repeat(32)}`, `z1:1:${'ab'.repeat(31)}`, `z1:x:${'ab'.repeat(32)}`]) expect(parseExpectedHead(bad), bad).toBeUndefined()
  })
})

describe('occurredAtNanos', () => {
  it('reads RFC 3339 to nanoseconds, truncated to microseconds', () => {
    expect(occurredAtNanos('1970-01-01T00:00:01.123456789Z')).toBe('1123456000')
    const midnightNs = BigInt(Date.UTC(2026, 10, 25)) * 1_000_000n
    expect(occurredAtNanos('2026-11-25T00:00:00Z')).toBe(`${midnightNs}`)
    expect(occurredAtNanos('2026-11-25T01:00:00.5+01:00')).toBe(`${midnightNs + 500_000_000n}`)
    expect(() => occurredAtNanos('yesterday')).toThrow(TypeError)
  })

  it('reads a stored time as the writer counts the ms it was stored from', () => {
    for (const ms of [0, 1, 999, Date.UTC(2026, 10, 25, 8, 0, 0, 123), -1, -86_400_001, 8.64e15]) expect(msToNanos(ms), String(ms)).toBe(occurredAtNanos(new Date(ms).toISOString()))
  })
})
