// Proves the STS holds an allow that requires human approval whatever class asks: it opens a hold,
// answers 401 interaction_required, mints nothing, and audits the outcome as pending. The decision
// comes from a stand-in for an adopter's contract (ours never asks approval for a bootstrap).
import { describe, expect, it } from 'vitest'
import { hashSecret } from '../../../src/application/index.js'
import { AuditLog } from '../../../src/audit/index.js'
import { KeyRing } from '../../../src/keys/index.js'
import type { PolicyDecision, PolicyEngine } from '../../../src/policy/index.js'
import { AuthFailureLimiter, MintRateLimiter, TOKEN_EXCHANGE_GRANT, TokenExchange } from '../../../src/sts/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()

describe('an allow with a step-up requirement', () => {
  it('is held with 401 interaction_required, mints nothing, and is audited pending approval_required', async () => {
    const store = stores.open()
    store.zones.create({ id: 'z', name: 'z', createdAt: 0 })
    store.applications.create({ id: 'a', zoneId: 'z', name: 'a', registrationMethod: 'managed', secretHash: await hashSecret('cmcs_s'), status: 'active', createdAt: 0, updatedAt: 0 })
    store.resources.register('z', 'resource://r', ['agent:lifecycle'], 'r1', 0)
    const stepUp: PolicyDecision = {
      decision: 'allow', evaluationStatus: 'complete', determiningPolicies: [{ policy: 'adopter' }],
      diagnostics: [{ step_up_required: { type: 'human_approval', tiers: [{ tier: 'high', approver: 'operator', privacy: 'identified' }] } }],
      stepUp: [{ tier: 'high', approver: 'operator', privacy: 'identified' }], policyVersion: 'v',
    }
    const policy = { version: () => ({ evaluate: () => stepUp }), evaluate: () => stepUp } as unknown as PolicyEngine
    const audit = new AuditLog(store.auditEvents, { hmacKey: Buffer.alloc(32, 1) })
    const exchange = new TokenExchange({ issuer: 'http://127.0.0.1:1', store, keys: new KeyRing(), policy, audit, failures: new AuthFailureLimiter(), mintRate: new MintRateLimiter() })
    await expect(
      exchange.exchange({ grantType: TOKEN_EXCHANGE_GRANT, zoneId: 'z', applicationId: 'a', clientSecret: 'cmcs_s', resources: ['resource://r'], scopes: ['agent:lifecycle'] }, 'req-1'),
    ).rejects.toMatchObject({ status: 401, wireCode: 'interaction_required', hold: { state: 'pending', tier: 'high' } })
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM authority_records').get() as { n: number }).n).toBe(0)
    const [hold] = store.approvals.list({ zoneId: 'z' }, Date.now())
    expect(hold).toMatchObject({ state: 'pending', approverClass: 'operator', resources: ['resource://r'], scopes: ['agent:lifecycle'] })
    expect(store.auditEvents.byRequestId('req-1').map((r) => [r.eventType, r.decision, r.evaluationStatus])).toEqual([
      ['step_up_issued', 'pending', 'complete'],
      ['token_exchange', 'pending', 'approval_required'],
    ])
  })
})
