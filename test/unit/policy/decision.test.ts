// Proves the result parser accepts exactly one well-formed decision and nothing else: every
// other shape is an evaluation error, which the engine turns into a deny.
import { describe, expect, it } from 'vitest'
import { parseResultSet } from '../../../src/policy/decision.js'
import { PolicyEvaluationError } from '../../../src/policy/index.js'

const allow = {
  decision: 'allow',
  evaluation_status: 'complete',
  determining_policies: [{ policy: 'caracal-a-mint' }],
  diagnostics: [],
}
const deny = { ...allow, decision: 'deny', diagnostics: [{ reason: 'role_scope_mismatch' }] }

function parse(resultSet: unknown) {
  return parseResultSet(resultSet, 'v1')
}

describe('parseResultSet', () => {
  it('reads an allow', () => {
    expect(parse([{ result: allow }])).toEqual({
      decision: 'allow',
      evaluationStatus: 'complete',
      determiningPolicies: [{ policy: 'caracal-a-mint' }],
      diagnostics: [],
      policyVersion: 'v1',
    })
  })

  it('reads a deny and its reason', () => {
    expect(parse([{ result: deny }])).toMatchObject({ decision: 'deny', reason: 'role_scope_mismatch' })
  })

  it('reads the step-up tiers of an allow', () => {
    const stepUp = {
      step_up_required: {
        type: 'human_approval',
        tiers: [{ tier: 'high', approver: 'subject', privacy: 'identified', ttl_seconds: 600 }],
      },
    }
    expect(parse([{ result: { ...allow, diagnostics: [stepUp] } }]).stepUp).toEqual([
      { tier: 'high', approver: 'subject', privacy: 'identified', ttlSeconds: 600 },
    ])
  })

  it.each([
    ['null (engine error)', null],
    ['an empty result set (entrypoint undefined)', []],
    ['two results', [{ result: allow }, { result: allow }]],
    ['an entry without result', [{}]],
    ['a boolean result', [{ result: true }]],
    ['an unknown decision', [{ result: { ...allow, decision: 'maybe' } }]],
    ['an incomplete evaluation', [{ result: { ...allow, evaluation_status: 'partial' } }]],
    ['a missing field', [{ result: { decision: 'allow', evaluation_status: 'complete', diagnostics: [] } }]],
    ['an extra field', [{ result: { ...allow, allow: true } }]],
    ['policies that are not objects', [{ result: { ...allow, determining_policies: ['caracal-a-mint'] } }]],
    ['diagnostics that are not objects', [{ result: { ...allow, diagnostics: ['x'] } }]],
    ['a deny without a reason', [{ result: { ...deny, diagnostics: [] } }]],
    ['a deny with an empty reason', [{ result: { ...deny, diagnostics: [{ reason: '' }] } }]],
    ['a step-up without tiers', [{ result: { ...allow, diagnostics: [{ step_up_required: { type: 'human_approval', tiers: [] } }] } }]],
    ['a step-up of another type', [{ result: { ...allow, diagnostics: [{ step_up_required: { type: 'email', tiers: [{ tier: 't', approver: 'any', privacy: 'identified' }] } }] } }]],
    ['a step-up tier with an unknown approver', [{ result: { ...allow, diagnostics: [{ step_up_required: { type: 'human_approval', tiers: [{ tier: 't', approver: 'boss', privacy: 'identified' }] } }] } }]],
    ['a step-up tier with a bad ttl', [{ result: { ...allow, diagnostics: [{ step_up_required: { type: 'human_approval', tiers: [{ tier: 't', approver: 'any', privacy: 'identified', ttl_seconds: -1 }] } }] } }]],
  ])('refuses %s', (_what, resultSet) => {
    expect(() => parse(resultSet)).toThrow(PolicyEvaluationError)
  })
})
