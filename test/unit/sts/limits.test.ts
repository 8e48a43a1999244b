// Proves the STS's two limits count what they should: the mint limit per (zone, resource,
// application) and per minute; the failure limit blocks after the allowance and for its period.
import { describe, expect, it } from 'vitest'
import { AuthFailureLimiter, MintRateLimiter } from '../../../src/sts/index.js'

describe('MintRateLimiter', () => {
  it('allows N mints a minute per zone, resource and application, independently', () => {
    const limiter = new MintRateLimiter(2)
    expect([limiter.take('z', 'r', 'a', 0), limiter.take('z', 'r', 'a', 1), limiter.take('z', 'r', 'a', 2)]).toEqual([true, true, false])
    expect(limiter.take('z', 'r', 'b', 3)).toBe(true)
    expect(limiter.take('z', 'r2', 'a', 3)).toBe(true)
    expect(limiter.take('z2', 'r', 'a', 3)).toBe(true)
    expect(limiter.take('z', 'r', 'a', 60_000)).toBe(true)
  })

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new MintRateLimiter(0)).toThrow(TypeError)
  })
})

describe('AuthFailureLimiter', () => {
  it('blocks after more than the allowed failures in a window, for the block period', () => {
    const limiter = new AuthFailureLimiter({ maxFailures: 2, windowMs: 1_000, blockMs: 5_000 })
    for (let i = 0; i < 2; i++) limiter.recordFailure('app', 100)
    expect(limiter.blockedFor('app', 100)).toBe(0)
    limiter.recordFailure('app', 200)
    expect(limiter.blockedFor('app', 200)).toBe(5_000)
    expect(limiter.blockedFor('other', 200)).toBe(0)
    expect(limiter.blockedFor('app', 5_200)).toBe(0)
  })

  it('counts attempts being checked against the limit, but blocks only on failures', () => {
    const limiter = new AuthFailureLimiter({ maxFailures: 2, windowMs: 1_000, blockMs: 5_000 })
    // Three parallel attempts are checked; a fourth waits a moment (parallel guesses cannot outrun the count).
    expect([0, 1, 2, 3].map(() => limiter.admit('app', 100))).toEqual([0, 0, 0, 1000])
    // They were right: nothing is blocked, and the next attempts are checked.
    for (let i = 0; i < 3; i++) limiter.settle('app', 100, false)
    expect(limiter.blockedFor('app', 100)).toBe(0)
    expect(limiter.admit('app', 100)).toBe(0)
    limiter.settle('app', 100, false)
    // Three that fail block the application.
    for (let i = 0; i < 3; i++) expect(limiter.admit('app', 200)).toBe(0)
    for (let i = 0; i < 3; i++) limiter.settle('app', 200, true)
    expect(limiter.admit('app', 200)).toBe(5_000)
  })

  it('starts a new window after the old one ends', () => {
    const limiter = new AuthFailureLimiter({ maxFailures: 2, windowMs: 1_000, blockMs: 5_000 })
    limiter.recordFailure('app', 0)
    limiter.recordFailure('app', 500)
    limiter.recordFailure('app', 1_000)
    expect(limiter.blockedFor('app', 1_000)).toBe(0)
  })
})
