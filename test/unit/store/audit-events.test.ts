// Proves the audit repository's reads that verification and the admin API rely on: the list of
// zones to verify holds every zone of the zones table (even one without rows) as well as every
// zone with rows, and one zone's rows of one request are found through the (request_id, zone_id,
// chain_seq) index of migration 6, newest first, without a sort and without reading other zones'
// rows; a request's rows in every zone (audit explain) are found through it too.
import { describe, expect, it } from 'vitest'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()

describe('AuditEventRepository', () => {
  it('lists zones with rows and zones of the zones table', () => {
    const store = stores.open()
    store.zones.create({ id: 'configured', name: 'c', createdAt: 0 })
    store.auditEvents.appendChained(() => [
      { zoneId: 'rows-only', chainSeq: 1, id: 'e1', eventType: 'tool_call', requestId: 'r', decision: 'allow', policySetId: '', policySetVersionId: '', manifestSha: '', evaluationStatus: 'complete', determiningPoliciesJson: '[]', diagnosticsJson: '[]', metadataJson: '{}', occurredAt: '2026-01-01T00:00:00.000Z', contentSha256: 'a', prevContentSha256: '', chainHmac: 'h' },
    ])
    expect(store.auditEvents.zones()).toEqual(['configured', 'rows-only'])
  })

  it('reads one zone\'s rows of one request through the zone and request index, newest first, unsorted', () => {
    const store = stores.open()
    const plan = store.db
      .prepare("EXPLAIN QUERY PLAN SELECT * FROM audit_events WHERE zone_id = 'z' AND request_id = 'r' AND chain_seq < 10 ORDER BY chain_seq DESC LIMIT 5")
      .all()
      .map((row) => (row as { detail: string }).detail)
      .join('\n')
    expect(plan).toContain('USING INDEX audit_events_request_zone')
    expect(plan).not.toContain('TEMP B-TREE')
    const everyZone = store.db.prepare("EXPLAIN QUERY PLAN SELECT * FROM audit_events WHERE request_id = 'r'").all().map((row) => (row as { detail: string }).detail).join('\n')
    expect(everyZone).toContain('USING INDEX audit_events_request_zone')
  })
})
