// Agent sessions on a real store: bounds and labels at start, task TTL and service heartbeat
// liveness, and termination of a whole subtree with each session revoked as an anchor, audited.
import { describe, expect, it } from 'vitest'
import { hashSecret } from '../../../src/application/index.js'
import { AuditLog } from '../../../src/audit/index.js'
import { AgentSessions, MAX_LABELS } from '../../../src/sessions/index.js'
import type { Store } from '../../../src/store/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()

async function world(start = 1_000_000): Promise<{ store: Store; sessions: AgentSessions; clock: { now: number } }> {
  const store = stores.open()
  store.zones.create({ id: 'z', name: 'z', createdAt: 0 })
  store.zones.create({ id: 'other', name: 'other', createdAt: 0 })
  const hash = await hashSecret('cmcs_s')
  store.applications.create({ id: 'a', zoneId: 'z', name: 'a', registrationMethod: 'managed', secretHash: hash, status: 'active', createdAt: 0, updatedAt: 0 })
  store.applications.create({ id: 'off', zoneId: 'z', name: 'off', registrationMethod: 'managed', secretHash: hash, status: 'disabled', createdAt: 0, updatedAt: 0 })
  const clock = { now: start }
  const audit = new AuditLog(store.auditEvents, { hmacKey: Buffer.alloc(32, 1), now: () => clock.now })
  return { store, sessions: new AgentSessions({ store, audit, now: () => clock.now }), clock }
}

const start = { zoneId: 'z', applicationId: 'a', requestId: 'r', startedBy: 'test' }

describe('starting a session', () => {
  it('defaults to a task of one hour labelled with the application id, and is audited', async () => {
    const { store, sessions } = await world()
    const s = await sessions.start(start)
    expect(s).toMatchObject({ lifecycle: 'task', ttlSeconds: 3600, labels: ['a'], status: 'active', depth: 0 })
    expect(store.auditEvents.byRequestId('r')).toMatchObject([{ eventType: 'session_started', decision: 'allow' }])
  })

  it('refuses bad bounds and labels, and applications that are disabled or of another zone, creating nothing', async () => {
    const { store, sessions } = await world()
    const bad = [
      { labels: Array.from({ length: MAX_LABELS + 1 }, (_, i) => `l${i}`) },
      { labels: ['x'.repeat(65)] },
      { labels: ['has space'] },
      { labels: [''] },
      { ttlSeconds: 0 },
      { ttlSeconds: 86_401 },
      { ttlSeconds: 1.5 },
      { lifecycle: 'service' as const, heartbeatSeconds: 5 },
      { lifecycle: 'service' as const, ttlSeconds: 60 },
      { heartbeatSeconds: 60 },
      { lifecycle: 'forever' as never },
      { applicationId: 'off' },
      { applicationId: 'a', zoneId: 'other' },
      { applicationId: "a' OR '1'='1" },
    ]
    for (const extra of bad) await expect(sessions.start({ ...start, ...extra }), JSON.stringify(extra)).rejects.toMatchObject({ status: 400, code: 'ERR_SESSION_INPUT_INVALID' })
    expect(store.agentSessions.list({ zoneId: 'z' })).toEqual([])
  })
})

describe('liveness', () => {
  it('ends a task at its TTL and a service without heartbeats, and renews a service by heartbeat', async () => {
    const { sessions, clock } = await world()
    const task = await sessions.start({ ...start, ttlSeconds: 60 })
    const service = await sessions.start({ ...start, lifecycle: 'service', heartbeatSeconds: 30 })
    clock.now += 25_000
    expect(sessions.heartbeat('z', service.id).heartbeatDeadline).toBe(clock.now + 30_000)
    clock.now += 29_000
    expect(sessions.requireLive('z', service.id, 'a', clock.now).id).toBe(service.id)
    expect(sessions.requireLive('z', task.id, 'a', clock.now).id).toBe(task.id)
    clock.now += 6_000
    expect(() => sessions.requireLive('z', task.id, 'a', clock.now)).toThrow(/expired/)
    expect(() => sessions.requireLive('z', service.id, 'a', clock.now)).toThrow(/expired/)
    expect(() => sessions.heartbeat('z', service.id)).toThrow(/expired/)
    expect(() => sessions.heartbeat('z', task.id)).toThrow(/task session/)
  })

  it('does not admit sessions of other zones or other applications', async () => {
    const { sessions, clock } = await world()
    const s = await sessions.start(start)
    expect(() => sessions.requireLive('other', s.id, 'a', clock.now)).toThrow(/does not exist/)
    expect(() => sessions.requireLive('z', s.id, 'off', clock.now)).toThrow(/another application/)
  })
})

describe('terminating', () => {
  it('ends the whole subtree, revokes every session id, audits each, and is idempotent', async () => {
    const { store, sessions, clock } = await world()
    const root = await sessions.start(start)
    const child = store.agentSessions.create({ ...root, id: 'child', parentSessionId: root.id, depth: 1 })
    store.agentSessions.create({ ...root, id: 'grandchild', parentSessionId: child.id, depth: 2 })
    const sibling = await sessions.start(start)
    const ended = await sessions.terminate('z', root.id, 'operator said so', 'r-term')
    expect(ended.map((s) => [s.id, s.terminationReason]).sort()).toEqual([
      [root.id, 'operator said so'],
      ['child', 'parent_terminated'],
      ['grandchild', 'parent_terminated'],
    ].sort())
    for (const id of [root.id, 'child', 'grandchild']) expect(store.revocations.get(id, clock.now)).toMatchObject({ kind: 'agent_session', zoneId: 'z' })
    expect(store.revocations.get(sibling.id, clock.now)).toBeUndefined()
    expect(store.auditEvents.byRequestId('r-term').map((r) => r.eventType)).toEqual(['session_terminated', 'session_terminated', 'session_terminated'])
    expect(await sessions.terminate('z', root.id, 'again', 'r-term-2')).toEqual([])
    expect(() => sessions.requireLive('z', root.id, 'a', clock.now)).toThrow(/terminated/)
  })
})

describe('live-session limits', () => {
  it('refuses a start beyond the application\'s or the zone\'s limit, and counts only sessions not terminated', async () => {
    const store = stores.open()
    store.zones.create({ id: 'z', name: 'z', createdAt: 0 })
    const hash = await hashSecret('cmcs_s')
    for (const id of ['a', 'b']) store.applications.create({ id, zoneId: 'z', name: id, registrationMethod: 'managed', secretHash: hash, status: 'active', createdAt: 0, updatedAt: 0 })
    const audit = new AuditLog(store.auditEvents, { hmacKey: Buffer.alloc(32, 1) })
    const sessions = new AgentSessions({ store, audit, limits: { liveSessionsPerApplication: 2, liveSessionsPerZone: 3 } })
    const first = await sessions.start({ ...start, applicationId: 'a' })
    await sessions.start({ ...start, applicationId: 'a' })
    await expect(sessions.start({ ...start, applicationId: 'a' })).rejects.toMatchObject({ code: 'ERR_SESSION_LIMIT', status: 429 })
    await sessions.start({ ...start, applicationId: 'b' })
    await expect(sessions.start({ ...start, applicationId: 'b' })).rejects.toMatchObject({ code: 'ERR_SESSION_LIMIT' })
    await sessions.terminate('z', first.id, 'done', 'r')
    await expect(sessions.start({ ...start, applicationId: 'a' })).resolves.toMatchObject({ applicationId: 'a' })
  })
})
