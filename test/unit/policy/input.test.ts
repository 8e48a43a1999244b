// Proves the input builders produce the documents the contract reads: each built input is
// decided by the committed wasm as the same request written by hand in fixtures/policy.
import { beforeAll, describe, expect, it } from 'vitest'
import { ENTRYPOINTS, PolicyEngine, buildExchangeInput, buildToolCallInput, type PolicyPrincipal } from '../../../src/policy/index.js'
import { committedBundle } from '../../helpers/policy.js'

const data = {
  app_ids: { 'app-1': 'app-1' },
  grants: { 'resource://files/read': { application: 'app-1', roles: { 'app-1': ['files:read'] } } },
  tool_rules: { files: { read_file: { arguments: { path: { path_prefix: ['/srv/'] } } } } },
}
const principal: PolicyPrincipal = { applicationId: 'app-1', zoneId: 'z', agentSessionId: 'sess-1', labels: ['app-1'] }
const resource = { id: 'r1', identifier: 'resource://files/read', scopes: ['files:read'] }
let engine: PolicyEngine

beforeAll(async () => {
  engine = new PolicyEngine({ bundle: await committedBundle() })
  engine.activate('z', data)
})

describe('buildExchangeInput', () => {
  it('omits what is absent rather than sending null', () => {
    const input = buildExchangeInput({ principal: { applicationId: 'app-1', zoneId: 'z' }, resource, requestedScopes: ['agent:lifecycle'], traceId: 't' })
    expect(input).not.toHaveProperty('session')
    expect(input).not.toHaveProperty('delegation_edge')
    expect(input.context).not.toHaveProperty('subject_claims')
    expect(input.principal).toEqual({ id: 'app-1', zone_id: 'z' })
  })

  it('builds an agent mint the contract allows', () => {
    const input = buildExchangeInput({ principal, resource, requestedScopes: ['files:read'], traceId: 't', authorityRecordId: 'ar-1' })
    expect(engine.evaluate('z', ENTRYPOINTS.exchange, input)).toMatchObject({ decision: 'allow', determiningPolicies: [{ policy: 'caracal-app-1-mint' }] })
  })

  it('builds a delegated mint whose edge narrows the scopes', () => {
    const delegationEdge = {
      id: 'e1', sourceSessionId: 'sess-0', targetSessionId: 'sess-1', issuerApplicationId: 'app-0', receiverApplicationId: 'app-1',
      scopes: ['files:list'], edgeVersion: 1, path: ['e1'], graphEpoch: 1, constraints: {},
    }
    const input = buildExchangeInput({ principal, resource, requestedScopes: ['files:read'], traceId: 't', delegationEdge })
    expect(input.context).toMatchObject({ delegation_edge_id: 'e1' })
    expect(engine.evaluate('z', ENTRYPOINTS.exchange, input)).toMatchObject({ decision: 'deny', reason: 'delegation_scope_exceeded' })
  })
})

describe('buildToolCallInput', () => {
  const mandateClaims = { scope: 'files:read', target: ['resource://files/read'] }

  it('builds a tool call the contract allows', () => {
    const input = buildToolCallInput({ principal, resource, mandateClaims, traceId: 't', tool: { server: 'files', name: 'read_file', arguments: { path: '/srv/a' } } })
    expect(engine.evaluate('z', ENTRYPOINTS.toolCall, input).decision).toBe('allow')
  })

  it('carries the arguments the tool rules judge', () => {
    const input = buildToolCallInput({ principal, resource, mandateClaims, traceId: 't', tool: { server: 'files', name: 'read_file', arguments: { path: '/etc/shadow' } } })
    expect(engine.evaluate('z', ENTRYPOINTS.toolCall, input)).toMatchObject({ decision: 'deny', reason: 'tool_argument_prefix_mismatch' })
  })
})
