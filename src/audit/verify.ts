// `audit verify`: recomputes every zone's chain from the stored rows and names the first row
// where it breaks: a gap or reorder in chain_seq, a predecessor hash that does not match, a
// content hash that does not match the row (an edit), an HMAC that does not (a forgery), a row
// the writer could not have stored (a time in another spelling, a field holding the separator),
// a zone that exists with no rows at all, or a head kept elsewhere that the chain no longer holds
// (rows cut from the end: the only way to see those, since a shorter chain is still a chain).
import type { AuditEventRepository, AuditEventRow } from '../store/index.js'
import { chainHmac, contentSha256, holdsFieldSeparator, isStoredOccurredAt } from './chain.js'
import type { ChainHead, ExpectedHead } from './expected-head.js'

export type ChainBreakReason =
  | 'sequence_gap'
  | 'previous_hash_mismatch'
  | 'content_hash_mismatch'
  | 'hmac_mismatch'
  | 'unreadable_row'
  | 'occurred_at_not_canonical'
  | 'field_separator_in_field'
  | 'chain_missing'
  | 'head_missing'
  | 'head_mismatch'

export interface ChainBreak {
  /** The row where the chain breaks, or where the missing row should be. */
  chainSeq: number
  /** The row's id; absent when there is no row there. */
  id?: string
  reason: ChainBreakReason
}

export interface ZoneChainReport {
  zoneId: string
  /** Every row of the zone's chain, read to the end even past a break. */
  events: number
  /** The newest row as stored (absent without rows); worth keeping elsewhere for `--expect-head`. */
  head?: ChainHead
  firstBreak?: ChainBreak
}

/** What is wrong with a row, given the chain up to it; undefined when nothing is. Returns the row's content hash when sound. */
function checkRow(row: AuditEventRow, expectedSeq: number, prev: string, hmacKey: Buffer): ChainBreakReason | { sha: string } {
  if (row.chainSeq !== expectedSeq) return 'sequence_gap'
  if (row.prevContentSha256 !== prev) return 'previous_hash_mismatch'
  if (typeof row.occurredAt !== 'string' || !isStoredOccurredAt(row.occurredAt)) return 'occurred_at_not_canonical'
  if (holdsFieldSeparator(row)) return 'field_separator_in_field'
  let sha: string
  try {
    sha = contentSha256(row)
  } catch {
    return 'unreadable_row'
  }
  if (sha !== row.contentSha256) return 'content_hash_mismatch'
  if (chainHmac(hmacKey, sha, prev) !== row.chainHmac) return 'hmac_mismatch'
  return { sha }
}

/** Verifies one zone's chain; every expected head must be a row of it, with that content hash. */
export function verifyZoneChain(repo: AuditEventRepository, hmacKey: Buffer, zoneId: string, expected: readonly ExpectedHead[] = []): ZoneChainReport {
  const heads = expected.filter((h) => h.zoneId === zoneId).sort((a, b) => a.chainSeq - b.chainSeq)
  let expectedSeq = 1
  let prev = ''
  let events = 0
  let last: AuditEventRow | undefined
  let firstBreak: ChainBreak | undefined
  for (const row of repo.iterateZone(zoneId)) {
    events++
    last = row
    if (firstBreak) continue
    const checked = checkRow(row, expectedSeq, prev, hmacKey)
    if (typeof checked === 'string') {
      firstBreak = { chainSeq: row.chainSeq, id: row.id, reason: checked }
      continue
    }
    if (heads.some((h) => h.chainSeq === row.chainSeq && h.contentSha256 !== row.contentSha256)) {
      firstBreak = { chainSeq: row.chainSeq, id: row.id, reason: 'head_mismatch' }
      continue
    }
    prev = checked.sha
    expectedSeq++
  }
  const head = last && { chainSeq: last.chainSeq, contentSha256: last.contentSha256 }
  // Every zone gets a first row when it is configured (its policy activation): none at all means
  // the chain was deleted, not that nothing happened.
  if (events === 0) firstBreak = { chainSeq: 1, reason: 'chain_missing' }
  const beyond = heads.find((h) => h.chainSeq > (last?.chainSeq ?? 0))
  if (!firstBreak && beyond) firstBreak = { chainSeq: beyond.chainSeq, reason: 'head_missing' }
  return { zoneId, events, ...(head && { head }), ...(firstBreak && { firstBreak }) }
}

/**
 * Every zone's chain (each zone with rows and each of the zones table), or the named zone's.
 * Expected heads name their zone; one of a zone outside the named one is a caller mistake.
 */
export function verifyAuditChains(repo: AuditEventRepository, hmacKey: Buffer, options: { zoneId?: string | undefined; expectedHeads?: readonly ExpectedHead[] } = {}): ZoneChainReport[] {
  const expected = options.expectedHeads ?? []
  const { zoneId } = options
  if (zoneId !== undefined) {
    const other = expected.find((h) => h.zoneId !== zoneId)
    if (other) throw new TypeError(`an expected head of zone ${other.zoneId} cannot be checked while verifying zone ${zoneId} only`)
    return [verifyZoneChain(repo, hmacKey, zoneId, expected)]
  }
  const zones = [...new Set([...repo.zones(), ...expected.map((h) => h.zoneId)])].sort()
  return zones.map((z) => verifyZoneChain(repo, hmacKey, z, expected))
}
