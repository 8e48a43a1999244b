// The resource-mandate cache: entries are not handed out within 35 s of expiry, are dropped by
// any of their anchors, and the oldest goes first when full. In-flight calls are aborted by
// anchor with a reason naming it.
import { describe, expect, it } from 'vitest'
import type { VerifiedMandate } from '../../../src/mandate/index.js'
import { InFlightCalls, RevokedDuringCallError } from '../../../src/proxy/in-flight.js'
import { anchorsOf } from '../../../src/mandate/index.js'
import { EXPIRY_MARGIN_MS, ResourceMandateCache, type CachedMandate } from '../../../src/proxy/mandate-cache.js'

const NOW = 1_800_000_000_000

function mandate(id: string, expiresInMs: number, anchors = [`sid-${id}`, 'root', 'session-1']): CachedMandate {
  return { token: `token-${id}`, verified: { expiresAt: Math.floor((NOW + expiresInMs) / 1000) } as VerifiedMandate, anchors }
}

describe('ResourceMandateCache', () => {
  it('keys by policy version, resource, scope set and agent mandate, scopes in any order', () => {
    expect(ResourceMandateCache.key('t', 'r', ['b', 'a'], 'v')).toBe(ResourceMandateCache.key('t', 'r', ['a', 'b'], 'v'))
    expect(ResourceMandateCache.key('t', 'r', ['a'], 'v')).not.toBe(ResourceMandateCache.key('t', 'r', ['a'], 'w'))
  })

  it('hands an entry out until 35 s before it expires, never after', () => {
    const cache = new ResourceMandateCache()
    cache.set('k', mandate('1', 60_000), NOW)
    expect(cache.get('k', NOW)?.token).toBe('token-1')
    expect(cache.get('k', NOW + 60_000 - EXPIRY_MARGIN_MS - 1000)?.token).toBe('token-1')
    expect(cache.get('k', NOW + 60_000 - EXPIRY_MARGIN_MS)).toBeUndefined()
    expect(cache.size).toBe(0)
    cache.set('short', mandate('2', EXPIRY_MARGIN_MS), NOW)
    expect(cache.size).toBe(0)
    expect(cache.stats).toEqual({ hits: 2, misses: 1 })
  })

  it('drops every entry standing under a revoked anchor, and only those', () => {
    const cache = new ResourceMandateCache()
    cache.set('a', mandate('a', 600_000, ['sid-a', 'root-1', 'session-1']), NOW)
    cache.set('b', mandate('b', 600_000, ['sid-b', 'root-1', 'session-2']), NOW)
    cache.set('c', mandate('c', 600_000, ['sid-c', 'root-2', 'session-3']), NOW)
    cache.revoke(['root-1'])
    expect([cache.get('a', NOW), cache.get('b', NOW), cache.get('c', NOW)?.token]).toEqual([undefined, undefined, 'token-c'])
  })

  it('evicts the oldest entry when full', () => {
    const cache = new ResourceMandateCache({ maxEntries: 2 })
    for (const id of ['1', '2', '3']) cache.set(id, mandate(id, 600_000), NOW)
    expect([cache.get('1', NOW), cache.get('2', NOW)?.token, cache.get('3', NOW)?.token]).toEqual([undefined, 'token-2', 'token-3'])
  })

  it('names every anchor of the mandates once', () => {
    const m = (sid: string, root: string, sessionId?: string, delegationId?: string) => ({ authorityRecordId: sid, rootAuthorityRecordId: root, sessionId, delegationId }) as VerifiedMandate
    expect(anchorsOf(m('s1', 'r'), m('s2', 'r', 'sess', 'edge'))).toEqual(['s1', 'r', 's2', 'sess', 'edge'])
  })
})

describe('InFlightCalls', () => {
  it('aborts the calls under a revoked anchor with a reason naming it, and forgets settled calls', () => {
    const calls = new InFlightCalls()
    const first = new AbortController()
    const second = new AbortController()
    calls.add(['sid-1', 'session-1'], first)
    const release = calls.add(['sid-2', 'session-2'], second)
    expect(calls.abort(['session-1'])).toBe(1)
    expect(first.signal.reason).toBeInstanceOf(RevokedDuringCallError)
    expect((first.signal.reason as RevokedDuringCallError).anchor).toBe('session-1')
    expect(second.signal.aborted).toBe(false)
    release()
    expect(calls.abort(['session-2'])).toBe(0)
  })
})
