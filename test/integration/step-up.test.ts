// Step-up end to end (contract §6.6) on the real STS and the committed policy: files:write is in
// a tier that needs an operator. The exchange is held (401 interaction_required), the hold is
// watched over HTTP, decided by an operator, and the retry consumes it exactly once; rejected,
// expired, mismatched and raced approvals each get their own answer, and nothing else is minted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApprovalRequiredError } from '../../src/sts/index.js'
import type { PolicyEngine, PolicyVersion } from '../../src/policy/index.js'
import { openStore } from '../../src/store/index.js'
import { encodeForm, startStsWorld, type StsWorld } from '../helpers/sts-world.js'

let world: StsWorld
beforeAll(async () => {
  world = await startStsWorld()
})
afterAll(() => world.close())

const WRITE = { resource: 'resource://files/write', scopes: ['files:write'] }
const count = (table: string) => (world.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>

async function agentMandate(ttlSeconds = 900): Promise<string> {
  const session = await world.exchange.sessions.start({ zoneId: 'zone-1', applicationId: 'app-1', requestId: 'req-start', startedBy: 'test' })
  const response = await fetch(`${world.url}/oauth/2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: encodeForm([['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'], ['zone_id', 'zone-1'], ['application_id', 'app-1'], ['client_secret', '@secret:app-1'], ['agent_session_id', session.id], ['ttl_seconds', String(ttlSeconds)]]),
  })
  return ((await response.json()) as { access_token: string }).access_token
}

async function held(subjectToken: string, requestId = 'req-held', exchange = world.exchange): Promise<ApprovalRequiredError['hold']> {
  const error = (await exchange.exchangeForResource({ subjectToken, ...WRITE }, requestId).then(
    () => undefined,
    (e: unknown) => e,
  )) as ApprovalRequiredError | undefined
  expect(error).toMatchObject({ status: 401, wireCode: 'interaction_required' })
  return error!.hold
}

async function approvalState(id: string, wait?: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${world.url}/approvals/${id}${wait === undefined ? '' : `?wait=${wait}`}`)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('a held exchange', () => {
  it('is answered 401 interaction_required, converges on one hold per binding, and mints nothing', async () => {
    const agent = await agentMandate()
    const records = count('authority_records')
    const first = await held(agent, 'req-held-1')
    const second = await held(agent, 'req-held-2')
    expect(second.approvalId).toBe(first.approvalId)
    expect(first).toMatchObject({ state: 'pending', tier: 'high', binding: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(count('authority_records')).toBe(records)
    expect(world.store.auditEvents.byRequestId('req-held-1').map((r) => [r.eventType, r.decision, r.evaluationStatus])).toEqual([
      ['step_up_issued', 'pending', 'complete'],
      ['token_exchange', 'pending', 'approval_required'],
    ])
    expect(world.store.auditEvents.byRequestId('req-held-2').map((r) => r.eventType)).toEqual(['token_exchange'])
  })

  it('shows only id, state and expiry at GET /approvals/{id}, and long-polls until a decision', async () => {
    const hold = await held(await agentMandate())
    expect(await approvalState(hold.approvalId)).toEqual({ status: 200, body: { id: hold.approvalId, state: 'pending', expires_at: new Date(hold.expiresAt).toISOString() } })
    const started = Date.now()
    const waiting = approvalState(hold.approvalId, 20)
    setTimeout(() => void world.exchange.approvals.decide('zone-1', hold.approvalId, 'approved', 'operator:test', undefined, 'req-decide'), 200)
    expect((await waiting).body.state).toBe('approved')
    expect(Date.now() - started).toBeLessThan(10_000)
    expect((await approvalState('not-a-uuid')).status).toBe(404)
    expect((await approvalState('0190a000-0000-7000-8000-0000000000ff')).status).toBe(404)
    expect((await approvalState(hold.approvalId, -1)).status).toBe(400)
  })

  it('succeeds once approved, on a retry without approval_id, and the approval is consumed by that mint', async () => {
    const agent = await agentMandate()
    const hold = await held(agent)
    await world.exchange.approvals.decide('zone-1', hold.approvalId, 'approved', 'operator:test', 'looks fine', 'req-approve')
    const granted = await world.exchange.exchangeForResource({ subjectToken: agent, ...WRITE }, 'req-retry')
    const claims = payloadOf(granted.access_token)
    expect(claims).toMatchObject({ use: 'resource', scope: 'files:write', target: ['resource://files/write'] })
    expect(world.store.approvals.get(hold.approvalId)).toMatchObject({ state: 'consumed', consumedRecordId: claims.sid })
    expect(world.store.auditEvents.byRequestId('req-retry').map((r) => [r.eventType, r.decision])).toEqual([
      ['token_exchange', 'allow'],
      ['step_up_consumed', 'consumed'],
    ])
    expect(world.store.auditEvents.byRequestId('req-approve')).toMatchObject([{ eventType: 'step_up_decided', decision: 'approved' }])
  })

  it('re-issues for the consumed record within two minutes, and answers 409 approval_consumed after', async () => {
    const agent = await agentMandate()
    const hold = await held(agent)
    await world.exchange.approvals.decide('zone-1', hold.approvalId, 'approved', 'operator:test', undefined, 'req-approve-2')
    const retry = { subjectToken: agent, ...WRITE, approvalId: hold.approvalId }
    const first = payloadOf((await world.exchange.exchangeForResource(retry, 'req-r1')).access_token)
    const again = payloadOf((await world.exchange.exchangeForResource(retry, 'req-r2')).access_token)
    expect(again.sid).toBe(first.sid)
    expect(again.jti).not.toBe(first.jti)
    const later = world.exchangeWith({ now: () => Date.now() + 3 * 60_000 })
    await expect(later.exchangeForResource(retry, 'req-r3')).rejects.toMatchObject({ status: 409, wireCode: 'approval_consumed' })
  })

  it('lets two concurrent retries create one authority record between them', async () => {
    const agent = await agentMandate()
    const hold = await held(agent)
    await world.exchange.approvals.decide('zone-1', hold.approvalId, 'approved', 'operator:test', undefined, 'req-approve-3')
    const records = count('authority_records')
    const retry = { subjectToken: agent, ...WRITE, approvalId: hold.approvalId }
    const results = await Promise.allSettled([world.exchange.exchangeForResource(retry, 'req-c1'), world.exchange.exchangeForResource(retry, 'req-c2')])
    const sids = new Set(results.filter((r) => r.status === 'fulfilled').map((r) => payloadOf((r as PromiseFulfilledResult<{ access_token: string }>).value.access_token).sid))
    expect(sids.size).toBe(1)
    expect(count('authority_records')).toBe(records + 1)
  })

  it('answers 409 to the loser of a consumption race and mints nothing for it', async () => {
    const agent = await agentMandate()
    const hold = await held(agent)
    await world.exchange.approvals.decide('zone-1', hold.approvalId, 'approved', 'operator:test', undefined, 'req-approve-4')
    // Another process consumes the approval after this one read it as approved and before it
    // commits: the policy evaluation in between is where that process gets in.
    const other = openStore(world.store.db.name)
    const racing = {
      version: (zoneId: string) => {
        const real = world.policy.version(zoneId)!
        return {
          id: real.id,
          data: real.data,
          evaluate: (entrypoint, input) => {
            other.approvals.consume(hold.approvalId, 'record-of-the-winner', Date.now())
            return real.evaluate(entrypoint, input)
          },
        } as PolicyVersion
      },
    } as unknown as PolicyEngine
    const records = count('authority_records')
    try {
      await expect(world.exchangeWith({ policy: racing }).exchangeForResource({ subjectToken: agent, ...WRITE, approvalId: hold.approvalId }, 'req-race')).rejects.toMatchObject({ status: 409, wireCode: 'approval_consumed' })
    } finally {
      other.close()
    }
    expect(count('authority_records')).toBe(records)
    expect(world.store.auditEvents.byRequestId('req-race')).toMatchObject([{ decision: 'deny', evaluationStatus: 'approval_already_consumed' }])
  })

  it('answers a rejected hold 403, an expired one 401, and refuses a second decision', async () => {
    const agent = await agentMandate()
    const hold = await held(agent)
    await world.exchange.approvals.decide('zone-1', hold.approvalId, 'rejected', 'operator:test', 'no', 'req-reject')
    await expect(world.exchange.approvals.decide('zone-1', hold.approvalId, 'approved', 'operator:test', undefined, 'req-again')).rejects.toMatchObject({ code: 'ERR_APPROVAL_NOT_PENDING', status: 409 })
    await expect(world.exchange.exchangeForResource({ subjectToken: agent, ...WRITE, approvalId: hold.approvalId }, 'req-rejected')).rejects.toMatchObject({ status: 403, message: 'approval rejected' })

    const longer = await agentMandate(3600)
    const pending = await held(longer)
    const late = world.exchangeWith({ now: () => pending.expiresAt + 1000 })
    await expect(late.exchangeForResource({ subjectToken: longer, ...WRITE, approvalId: pending.approvalId }, 'req-expired')).rejects.toMatchObject({
      status: 401,
      wireCode: 'access_denied',
      message: 'approval expired',
    })
    await expect(late.approvals.decide('zone-1', pending.approvalId, 'approved', 'operator:test', undefined, 'req-late')).rejects.toMatchObject({ status: 409 })
  })

  it('cannot spend an approval on another request: other mandate, other scopes', async () => {
    const agent = await agentMandate()
    const hold = await held(agent)
    await world.exchange.approvals.decide('zone-1', hold.approvalId, 'approved', 'operator:test', undefined, 'req-approve-5')
    await expect(world.exchange.exchangeForResource({ subjectToken: await agentMandate(), ...WRITE, approvalId: hold.approvalId }, 'req-other')).rejects.toMatchObject({ status: 401, message: 'approval not found or binding mismatch' })
    await expect(world.exchange.exchangeForResource({ subjectToken: agent, resource: 'resource://files/read', scopes: ['files:read'], approvalId: hold.approvalId }, 'req-other-2')).rejects.toMatchObject({ status: 401 })
    expect(world.store.approvals.get(hold.approvalId)?.state).toBe('approved')
  })
})
