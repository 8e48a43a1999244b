// The proxy's per-request check of a presented agent mandate reads the store once and then only
// when it may have changed (src/sts/standing-memo.ts): on the real STS and SQLite file, a repeat
// presentation reads nothing, its own audit rows change nothing, and every way the authority can
// end — in this process, in another one on the same database, or by time anywhere in its session
// lineage — is found on the very next presentation.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { openStore, type Store } from '../../src/store/index.js'
import { AuthorityInactiveError, SessionReferenceError } from '../../src/sts/errors.js'
import { encodeForm, startStsWorld, type StsWorld } from '../helpers/sts-world.js'

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'

let world: StsWorld
beforeAll(async () => {
  world = await startStsWorld()
})
afterAll(() => world.close())

async function agentMandate(sessionId: string): Promise<string> {
  const response = await fetch(`${world.url}/oauth/2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: encodeForm(Object.entries({ grant_type: EXCHANGE, zone_id: 'zone-1', application_id: 'app-1', client_secret: '@secret:app-1', agent_session_id: sessionId })),
  })
  const body = (await response.json()) as { access_token?: string }
  expect(response.status, JSON.stringify(body)).toBe(200)
  return body.access_token!
}

const startSession = (extra: { lifecycle?: 'task' | 'service'; ttlSeconds?: number; heartbeatSeconds?: number } = {}) =>
  world.exchange.sessions.start({ zoneId: 'zone-1', applicationId: 'app-1', requestId: 'req-memo', startedBy: 'test', ...extra })

/** An exchange of its own (its own memo) on a clock the test moves. */
function clocked(start = Date.now()) {
  const clock = { now: start }
  return { clock, exchange: world.exchangeWith({ now: () => clock.now }) }
}

/** A fresh session's agent mandate, presented once to an exchange of its own; then `write` runs on another connection to the same file (another process). */
async function presentedThenElsewhere(write: (other: Store, sessionId: string) => void) {
  const session = await startSession()
  const agent = await agentMandate(session.id)
  const { exchange } = clocked()
  exchange.verifyPresented(agent)
  const other = openStore(world.store.db.name)
  try {
    write(other, session.id)
  } finally {
    other.close()
  }
  return () => exchange.verifyPresented(agent)
}

/** The session's agent mandate, presented now to an exchange of its own, then again at `later` (ms) with nothing written between. */
async function presentedNowAndAt(sessionId: string, later: number) {
  const agent = await agentMandate(sessionId)
  const { clock, exchange } = clocked(Date.now())
  exchange.verifyPresented(agent)
  clock.now = later
  return () => exchange.verifyPresented(agent)
}

describe('the standing of a presented mandate, read once while the store stands still', () => {
  it('reads the store on the first presentation only, and its own audit rows do not count as a change', async () => {
    const session = await startSession()
    const agent = await agentMandate(session.id)
    const { exchange } = clocked()
    exchange.verifyPresented(agent)
    const reads = vi.spyOn(world.store.agentSessions, 'get')
    try {
      expect(exchange.verifyPresented(agent).sessionId).toBe(session.id)
      await world.audit.record({ zoneId: 'zone-1', eventType: 'tool_call', requestId: 'req-memo-audit', decision: 'allow', evaluationStatus: 'complete' })
      expect(exchange.verifyPresented(agent).sessionId).toBe(session.id)
      expect(reads).not.toHaveBeenCalled()
    } finally {
      reads.mockRestore()
    }
  })

  it('finds a session ended in this process on the next presentation', async () => {
    const session = await startSession()
    const agent = await agentMandate(session.id)
    const { exchange } = clocked()
    exchange.verifyPresented(agent)
    await world.exchange.sessions.terminate('zone-1', session.id, 'done', 'req-memo-end')
    expect(() => exchange.verifyPresented(agent)).toThrow(AuthorityInactiveError)
  })

  it('finds a session suspended by another process on the same database, with no revocation written', async () => {
    // Only the row: whatever else a suspension writes, the session itself must be read again.
    const present = await presentedThenElsewhere((other, id) => expect(other.agentSessions.transition(id, 'active', 'suspended', 'operator')).toBe(true))
    expect(present).toThrow(SessionReferenceError)
  })

  it('finds a service session past its heartbeat deadline though its mandate is still valid, and nothing was written', async () => {
    const session = await startSession({ lifecycle: 'service', heartbeatSeconds: 60 })
    // The agent mandate runs for minutes; the session falls silent after one.
    const present = await presentedNowAndAt(session.id, session.heartbeatDeadline! + 1)
    expect(present).toThrow(SessionReferenceError)
  })

  it('finds an anchor revoked by another process on the same database', async () => {
    const present = await presentedThenElsewhere((other, id) => other.revocations.revoke({ anchor: id, zoneId: 'zone-1', kind: 'agent_session', reason: 'test', revokedAt: Date.now(), expiresAt: Date.now() + 3_600_000 }))
    expect(present).toThrow(AuthorityInactiveError)
  })

  it('finds a child whose service parent fell silent, though the child itself runs for an hour', async () => {
    const parent = await startSession({ lifecycle: 'service', heartbeatSeconds: 60 })
    const child = await world.exchange.sessions.spawn({ zoneId: 'zone-1', applicationId: 'app-1', parentSessionId: parent.id, authority: { mode: 'inherit' }, ttlSeconds: 3600, requestId: 'req-memo-spawn', startedBy: 'test' })
    const present = await presentedNowAndAt(child.id, parent.heartbeatDeadline! + 1)
    expect(present).toThrow(SessionReferenceError)
  })

  it('does not keep a clock that went back', async () => {
    const session = await startSession()
    const agent = await agentMandate(session.id)
    const { clock, exchange } = clocked()
    exchange.verifyPresented(agent)
    clock.now -= 10_000
    const reads = vi.spyOn(world.store.agentSessions, 'get')
    try {
      exchange.verifyPresented(agent)
      expect(reads).toHaveBeenCalled()
    } finally {
      reads.mockRestore()
    }
  })
})
