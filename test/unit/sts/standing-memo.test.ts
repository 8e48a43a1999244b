// The memo of a presented mandate's standing on its own: what it keeps, and what it never does —
// a gateway mandate (spent on first use), a finding already past its end, an entry under another
// store mark, past its deadline or from a later clock; and it holds at most its bound.
import { describe, expect, it } from 'vitest'
import type { VerifiedMandate } from '../../../src/mandate/index.js'
import type { AgentSessionRow } from '../../../src/store/index.js'
import { StandingMemo } from '../../../src/sts/standing-memo.js'

const session = { id: 's1' } as AgentSessionRow
const found = (use: 'session' | 'gateway', until: number) => ({ presented: { use } as VerifiedMandate, session, until })

describe('StandingMemo', () => {
  it('answers for the same mark, from the time it was checked up to its deadline', () => {
    const memo = new StandingMemo()
    memo.set('t', found('session', 2_000), 'm1', 1_000)
    expect(memo.get('t', 'm1', 1_000)?.session).toBe(session)
    expect(memo.get('t', 'm1', 1_999)).toBeDefined()
    expect(memo.get('t', 'm1', 2_000)).toBeUndefined()
    // Gone for good once found stale.
    expect(memo.get('t', 'm1', 1_500)).toBeUndefined()
  })

  it('forgets an entry under another mark or an earlier clock', () => {
    const memo = new StandingMemo()
    memo.set('t', found('session', 9_000), 'm1', 1_000)
    expect(memo.get('t', 'm2', 1_000)).toBeUndefined()
    memo.set('t', found('session', 9_000), 'm1', 1_000)
    expect(memo.get('t', 'm1', 999)).toBeUndefined()
  })

  it('never keeps a gateway mandate or a finding already ended', () => {
    const memo = new StandingMemo()
    memo.set('g', found('gateway', 9_000), 'm1', 1_000)
    memo.set('e', found('session', 1_000), 'm1', 1_000)
    expect(memo.get('g', 'm1', 1_000)).toBeUndefined()
    expect(memo.get('e', 'm1', 1_000)).toBeUndefined()
  })

  it('holds at most its bound, dropping the oldest', () => {
    const memo = new StandingMemo(2)
    for (const t of ['a', 'b', 'c']) memo.set(t, found('session', 9_000), 'm1', 1_000)
    expect(memo.get('a', 'm1', 1_000)).toBeUndefined()
    expect(memo.get('b', 'm1', 1_000)).toBeDefined()
    expect(memo.get('c', 'm1', 1_000)).toBeDefined()
  })
})
