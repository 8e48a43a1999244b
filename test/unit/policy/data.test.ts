// Proves the data loader accepts the contract's documents and refuses malformed ones with the
// document and field named. The Rego-side twin of each refusal is in fixtures/policy.
import { describe, expect, it } from 'vitest'
import { PolicyDataError, emptyPolicyData, validatePolicyData } from '../../../src/policy/index.js'

function refusal(raw: unknown): PolicyDataError {
  try {
    validatePolicyData(raw)
  } catch (error) {
    if (error instanceof PolicyDataError) return error
    throw error
  }
  throw new Error('expected validatePolicyData to refuse the data')
}

describe('validatePolicyData', () => {
  it('fills absent documents with empty ones: a zone without data authorizes nothing', () => {
    expect(validatePolicyData({})).toEqual(emptyPolicyData())
  })

  it('accepts every document in the shape of the contract', () => {
    const data = {
      app_ids: { a: 'app-1', alias: 'app-1' },
      grants: { 'resource://x': { application: 'a', roles: { r: ['s'] } }, 'resource://y': { applications: ['a', 'alias'] } },
      confinement: [{ label_prefix: 'customer:', scopes: ['s'] }],
      restrict: { freeze: true },
      risk: [{ scope: 's', tier: 'high' }],
      approval_tiers: [{ tier: 'high', approver: 'any', ttl_seconds: 60, privacy: 'anonymous' }],
      tool_rules: { files: { 'read.file': { arguments: { path: { required: true, path_prefix: ['/srv/'] }, n: { min: 0, max: 9 } } } } },
    }
    expect(validatePolicyData(data)).toEqual(data)
  })

  it('refuses a document that is not part of the contract', () => {
    expect(refusal({ result: { decision: 'allow' } })).toMatchObject({ document: 'result', path: '' })
  })

  it('refuses data that is not an object of documents', () => {
    expect(refusal([1])).toMatchObject({ document: '(root)' })
  })

  it('names the field of a malformed entry', () => {
    const error = refusal({ risk: [{ scope: 'a', tier: 'b' }, { scope: 'c', tier: 7 }] })
    expect(error).toMatchObject({ code: 'ERR_POLICY_DATA_INVALID', document: 'risk', path: '[1].tier' })
    expect(error.message).toMatch(/^policy data document "risk" is invalid at \[1\]\.tier: /)
  })

  it('names unknown fields instead of ignoring a typo', () => {
    const error = refusal({ approval_tiers: [{ tier: 'high', aprover: 'subject' }] })
    expect(error).toMatchObject({ document: 'approval_tiers', path: '[0]' })
    expect(error.message).toContain('aprover')
  })

  it('quotes keys that are not plain names', () => {
    const error = refusal({ app_ids: { a: 'app-1' }, grants: { 'resource://x': { application: 'a', roles: { r: 'read' } } } })
    expect(error).toMatchObject({ document: 'grants', path: '["resource://x"].roles.r' })
  })

  it('refuses a grant owned both ways or neither way', () => {
    const app_ids = { a: 'app-1' }
    expect(refusal({ app_ids, grants: { g: { application: 'a', applications: ['a'] } } })).toMatchObject({ document: 'grants', path: 'g' })
    expect(refusal({ app_ids, grants: { g: { roles: {} } } })).toMatchObject({ document: 'grants', path: 'g' })
  })

  it('refuses a grant naming a binding key that app_ids does not resolve', () => {
    const error = refusal({ app_ids: { a: 'app-1' }, grants: { g: { applications: ['a', 'b'] } } })
    expect(error).toMatchObject({ document: 'grants', path: 'g.applications[1]' })
  })

  it('refuses restrict documents that are not collections', () => {
    expect(refusal({ restrict: true })).toMatchObject({ document: 'restrict', path: '' })
  })

  it('refuses tool rules with no condition, both required and forbidden, or an inverted range', () => {
    const rule = (cond: unknown) => ({ tool_rules: { s: { t: { arguments: { a: cond } } } } })
    expect(refusal(rule({}))).toMatchObject({ document: 'tool_rules', path: 's.t.arguments.a' })
    expect(refusal(rule({ required: true, forbidden: true }))).toMatchObject({ path: 's.t.arguments.a' })
    expect(refusal(rule({ min: 2, max: 1 }))).toMatchObject({ path: 's.t.arguments.a' })
    expect(refusal(rule({ max: '9' }))).toMatchObject({ path: 's.t.arguments.a.max' })
    expect(refusal({ tool_rules: { s: { t: { arguments: { a: { required: true } }, extra: 1 } } } })).toMatchObject({ path: 's.t' })
    expect(refusal({ tool_rules: { s: { t: { arguments: {} } } } })).toMatchObject({ path: 's.t.arguments' })
  })
})
