// The status sessions list shows: a session whose TTL or heartbeat deadline has passed is
// expired, though its stored status is still active (nothing has ended it).
import { describe, expect, it } from 'vitest'
import { shownStatus } from '../../../src/cli/session-commands.js'
import type { AgentSessionRow } from '../../../src/store/index.js'

const NOW = Date.parse('2030-01-01T00:00:00Z')
const task = { status: 'active', lifecycle: 'task', startedAt: NOW - 60_000, ttlSeconds: 120, heartbeatDeadline: null } as unknown as AgentSessionRow

describe('shownStatus', () => {
  it('is active before the deadline and expired at and after it', () => {
    expect(shownStatus(task, NOW)).toBe('active')
    expect(shownStatus(task, NOW + 60_000)).toBe('expired')
    const service = { ...task, lifecycle: 'service', ttlSeconds: null, heartbeatDeadline: NOW - 1 } as AgentSessionRow
    expect(shownStatus(service, NOW)).toBe('expired')
  })

  it('keeps an ended or suspended status as stored', () => {
    expect(shownStatus({ ...task, status: 'terminated' }, NOW + 60_000)).toBe('terminated')
    expect(shownStatus({ ...task, status: 'suspended' }, NOW)).toBe('suspended')
  })
})
