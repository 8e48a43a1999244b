// `audit verify`: recomputes every zone's chain from the stored rows and names the first row
// where it breaks: a gap or reorder in chain_seq, a predecessor hash that does not match, a
// content hash that does not match the row (an edit), or an HMAC that does not (a forgery).
import type { AuditEventRepository } from '../store/index.js'
import { chainHmac, contentSha256 } from './chain.js'

export interface ChainBreak {
  chainSeq: number
  id: string
  reason: 'sequence_gap' | 'previous_hash_mismatch' | 'content_hash_mismatch' | 'hmac_mismatch' | 'unreadable_row'
}

export interface ZoneChainReport {
  zoneId: string
  events: number
  firstBreak?: ChainBreak
}

export function verifyZoneChain(repo: AuditEventRepository, hmacKey: Buffer, zoneId: string): ZoneChainReport {
  let expectedSeq = 1
  let prev = ''
  let events = 0
  for (const row of repo.iterateZone(zoneId)) {
    events++
    const at = (reason: ChainBreak['reason']): ZoneChainReport => ({ zoneId, events, firstBreak: { chainSeq: row.chainSeq, id: row.id, reason } })
    if (row.chainSeq !== expectedSeq) return at('sequence_gap')
    if (row.prevContentSha256 !== prev) return at('previous_hash_mismatch')
    let sha: string
    try {
      sha = contentSha256(row)
    } catch {
      return at('unreadable_row')
    }
    if (sha !== row.contentSha256) return at('content_hash_mismatch')
    if (chainHmac(hmacKey, sha, prev) !== row.chainHmac) return at('hmac_mismatch')
    prev = sha
    expectedSeq++
  }
  return { zoneId, events }
}

/** Every zone's chain, or the named zone's. */
export function verifyAuditChains(repo: AuditEventRepository, hmacKey: Buffer, zoneId?: string): ZoneChainReport[] {
  return (zoneId ? [zoneId] : repo.zones()).map((z) => verifyZoneChain(repo, hmacKey, z))
}
