// Proves the admin audit reads on a real SQLite file: one request's events are read for the zone
// asked about only, in SQL, at most `limit` of them (not every zone's rows first), and a zone's
// events come a page at a time, newest first, each page naming the `before_seq` of the next; the
// zone's verification names its head. The HTTP side (query validation, JSON) is proved in
// test/integration/admin-api.test.ts.
import { describe, expect, it, vi } from 'vitest'
import { queryAudit, verifyZoneAudit } from '../../../src/admin/audit-query.js'
import type { AdminServices } from '../../../src/admin/index.js'
import { AuditLog } from '../../../src/audit/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()
const KEY = Buffer.alloc(32, 5)

async function services(): Promise<AdminServices> {
  const store = stores.open()
  const audit = new AuditLog(store.auditEvents, { hmacKey: KEY })
  // z1: req-a at seqs 1, 3, 5, 7, 9 and req-b between; z2: req-a once.
  for (let i = 1; i <= 10; i++) void audit.record({ zoneId: 'z1', eventType: 'tool_call', requestId: i % 2 ? 'req-a' : 'req-b', decision: 'allow', evaluationStatus: 'complete' })
  void audit.record({ zoneId: 'z2', eventType: 'tool_call', requestId: 'req-a', decision: 'allow', evaluationStatus: 'complete' })
  await audit.flushed()
  return { store, audit, secrets: { auditHmacKey: KEY } } as unknown as AdminServices
}

const seqs = (page: { rows: { chainSeq: number }[] }) => page.rows.map((r) => r.chainSeq)

describe('queryAudit', () => {
  it('reads one request\'s events of this zone only, in SQL, newest first, a page at a time', async () => {
    const s = await services()
    const crossZone = vi.spyOn(s.store.auditEvents, 'byRequestId')
    const first = queryAudit(s, 'z1', { requestId: 'req-a', limit: 2 })
    expect(seqs(first)).toEqual([9, 7])
    expect(first.rows.every((r) => r.zoneId === 'z1' && r.requestId === 'req-a')).toBe(true)
    expect(first.nextBeforeSeq).toBe(7)
    const second = queryAudit(s, 'z1', { requestId: 'req-a', limit: 2, beforeSeq: 7 })
    expect(seqs(second)).toEqual([5, 3])
    expect(queryAudit(s, 'z1', { requestId: 'req-a', limit: 2, beforeSeq: 3 })).toMatchObject({ rows: [{ chainSeq: 1 }], nextBeforeSeq: null })
    expect(seqs(queryAudit(s, 'z2', { requestId: 'req-a' }))).toEqual([1])
    expect(crossZone).not.toHaveBeenCalled()
  })

  it('pages through a zone newest first; the last page says there is no next one', async () => {
    const s = await services()
    const pages: number[][] = []
    let beforeSeq: number | undefined
    // Bounded: a page that ignored before_seq would name the same next page forever.
    for (let i = 0; i < 5; i++) {
      const page = queryAudit(s, 'z1', { limit: 4, beforeSeq })
      pages.push(seqs(page))
      if (page.nextBeforeSeq === null) break
      beforeSeq = page.nextBeforeSeq
    }
    expect(pages).toEqual([[10, 9, 8, 7], [6, 5, 4, 3], [2, 1]])
    // A full page ending at chain_seq 1 has nothing below it.
    expect(queryAudit(s, 'z1', { limit: 2, beforeSeq: 3 })).toMatchObject({ nextBeforeSeq: null })
  })
})

describe('verifyZoneAudit', () => {
  it('names the head of an intact chain, and a zone without rows as a missing chain', async () => {
    const s = await services()
    const head = s.store.auditEvents.last('z1')!
    expect(verifyZoneAudit(s, 'z1')).toEqual({ ok: true, rows: 10, head: { chain_seq: 10, content_sha256: head.contentSha256 } })
    expect(verifyZoneAudit(s, 'z3')).toEqual({ ok: false, rows: 0, head: null, first_broken: { chain_seq: 1, reason: 'chain_missing' } })
  })
})
