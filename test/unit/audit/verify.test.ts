// Proves `audit verify` names the first broken row for each kind of tampering: an edited row, a
// removed row, a row forged without the HMAC key, and a chain checked with the wrong key. The
// tampering goes around the append-only triggers, as someone editing the file would.
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { AuditLog, contentSha256, occurredAtNanos, verifyAuditChains, type AuditEvent } from '../../../src/audit/index.js'
import { openStore } from '../../../src/store/index.js'
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
  db.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;')
  db.prepare(sql).run(...params)
  db.close()
}

function verify(path: string, key = KEY) {
  const store = openStore(path)
  try {
    return verifyAuditChains(store.auditEvents, key)
  } finally {
    store.close()
  }
}

describe('verifyAuditChains', () => {
  it('finds no break in an untouched chain', async () => {
    expect(verify(await chainOf(5))).toEqual([{ zoneId: 'z1', events: 5 }])
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

describe('occurredAtNanos', () => {
  it('reads RFC 3339 to nanoseconds, truncated to microseconds', () => {
    expect(occurredAtNanos('1970-01-01T00:00:01.123456789Z')).toBe('1123456000')
    const midnightNs = BigInt(Date.UTC(2026, 10, 25)) * 1_000_000n
    expect(occurredAtNanos('2026-11-25T00:00:00Z')).toBe(`${midnightNs}`)
    expect(occurredAtNanos('2026-11-25T01:00:00.5+01:00')).toBe(`${midnightNs + 500_000_000n}`)
    expect(() => occurredAtNanos('yesterday')).toThrow(TypeError)
  })
})
