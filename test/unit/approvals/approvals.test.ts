// The parts of step-up that need no STS: the binding separates every field it covers, the merge
// of matched tiers follows contract §6.6 step 2, and a hold converges, decides and is consumed
// once on a real store.
import { describe, expect, it } from 'vitest'
import { hashSecret } from '../../../src/application/index.js'
import { AuditLog } from '../../../src/audit/index.js'
import { Approvals, approvalBinding, mergeApprovalDeclarations, type BindingParts } from '../../../src/approvals/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()

const parts: BindingParts = {
  resources: ['resource://b', 'resource://a'], scopes: ['y', 'x'], principal: 'p', authorityRecordId: 'ar', agentSessionId: 's',
  delegationEdgeId: 'e', applicationId: 'app', policyVersion: 'v', contractVersion: 'c',
}

describe('the approval binding', () => {
  it('does not depend on order or case of resources, nor on scope order', () => {
    expect(approvalBinding(parts)).toBe(approvalBinding({ ...parts, resources: ['RESOURCE://A', 'resource://b'], scopes: ['x', 'y'] }))
  })

  it('changes with every part, and parts cannot be shifted into one another', () => {
    const base = approvalBinding(parts)
    const variants: Partial<BindingParts>[] = [
      { resources: ['resource://a'] }, { scopes: ['x'] }, { principal: 'q' }, { authorityRecordId: undefined }, { agentSessionId: 't' },
      { delegationEdgeId: undefined }, { applicationId: 'other' }, { policyVersion: 'w' }, { contractVersion: 'd' },
      { principal: 'par', authorityRecordId: '' },
    ]
    const all = variants.map((v) => approvalBinding({ ...parts, ...v }))
    expect(new Set([base, ...all]).size).toBe(variants.length + 1)
  })
})

describe('merging matched approval declarations', () => {
  it('joins tiers, prefers a specific approver, takes the shortest TTL and the most protective privacy', () => {
    expect(mergeApprovalDeclarations([
      { tier: 'high', approver: 'any', privacy: 'identified', ttlSeconds: 600 },
      { tier: 'critical', approver: 'operator', privacy: 'pseudonymous', ttlSeconds: 300 },
    ])).toEqual({ tier: 'critical,high', approver: 'operator', privacy: 'pseudonymous', ttlSeconds: 300 })
  })

  it('defaults TTLs per class and clamps them to the class bounds', () => {
    expect(mergeApprovalDeclarations([{ tier: 't', approver: 'operator', privacy: 'identified' }]).ttlSeconds).toBe(4 * 3600)
    expect(mergeApprovalDeclarations([{ tier: 't', approver: 'any', privacy: 'identified' }]).ttlSeconds).toBe(900)
    expect(mergeApprovalDeclarations([{ tier: 't', approver: 'subject', privacy: 'identified', ttlSeconds: 5 }]).ttlSeconds).toBe(60)
    expect(mergeApprovalDeclarations([{ tier: 't', approver: 'subject', privacy: 'identified', ttlSeconds: 10 * 86400 }]).ttlSeconds).toBe(86400)
    expect(mergeApprovalDeclarations([{ tier: 't', approver: 'operator', privacy: 'identified', ttlSeconds: 10 * 86400 }]).ttlSeconds).toBe(7 * 86400)
  })

  it('refuses operator and subject together: one hold cannot satisfy both', () => {
    expect(() => mergeApprovalDeclarations([
      { tier: 'a', approver: 'operator', privacy: 'identified' },
      { tier: 'b', approver: 'subject', privacy: 'identified' },
    ])).toThrow(expect.objectContaining({ code: 'ERR_APPROVAL_APPROVER_CONFLICT', status: 403 }))
  })
})

describe('a hold on a real store', () => {
  it('converges per binding, is decided once, consumed once, and expires by the clock', async () => {
    const store = stores.open()
    store.zones.create({ id: 'z', name: 'z', createdAt: 0 })
    store.applications.create({ id: 'a', zoneId: 'z', name: 'a', registrationMethod: 'managed', secretHash: await hashSecret('cmcs_s'), status: 'active', createdAt: 0, updatedAt: 0 })
    const clock = { now: 5_000_000 }
    const approvals = new Approvals({ store, audit: new AuditLog(store.auditEvents, { hmacKey: Buffer.alloc(32, 2), now: () => clock.now }), now: () => clock.now })
    const hold = (id: string) => ({
      id, zoneId: 'z', applicationId: 'a', subject: 'a', subjectType: 'application' as const, binding: 'b1', requirement: { tier: 'high', approver: 'operator' as const, privacy: 'identified' as const, ttlSeconds: 60 },
      resources: ['resource://r'], scopes: ['s'], requestId: `req-${id}`,
    })
    const first = await approvals.open(hold('0190a000-0000-7000-8000-000000000001'))
    const second = await approvals.open(hold('0190a000-0000-7000-8000-000000000002'))
    expect(second.id).toBe(first.id)
    await expect(approvals.decide('other-zone', first.id, 'approved', 'op', undefined, 'r')).rejects.toMatchObject({ status: 404 })
    await expect(approvals.decide('z', first.id, 'maybe' as never, 'op', undefined, 'r')).rejects.toMatchObject({ status: 400 })
    await approvals.decide('z', first.id, 'approved', 'op', undefined, 'r')
    expect(store.approvals.consume(first.id, 'rec-1', clock.now)).toBe(true)
    expect(store.approvals.consume(first.id, 'rec-2', clock.now)).toBe(false)
    // Consumed is not live: the same binding opens a new hold, which expires unattended.
    const third = await approvals.open(hold('0190a000-0000-7000-8000-000000000003'))
    expect(third.id).not.toBe(first.id)
    clock.now += 61_000
    expect(approvals.list('z', 'expired').map((r) => r.id)).toEqual([third.id])
    await expect(approvals.decide('z', third.id, 'approved', 'op', undefined, 'r')).rejects.toMatchObject({ code: 'ERR_APPROVAL_NOT_PENDING' })
    const fourth = await approvals.open(hold('0190a000-0000-7000-8000-000000000004'))
    expect(fourth.id).toBe('0190a000-0000-7000-8000-000000000004')
    expect(await approvals.wait(fourth.id, 0)).toMatchObject({ state: 'pending' })
  })
})
