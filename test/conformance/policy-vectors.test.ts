// Proves the compiled artefact behaves like the Rego source: every fixtures/policy case (the
// same cases `opa test` runs from policies/authz/cases_test.rego) evaluated through the
// committed wasm gives exactly the expected result. Cases whose data the loader must refuse are
// also run raw, to show the Rego denies them on its own, and through the loader, to show it
// refuses them naming the document and field.
import { beforeAll, describe, expect, it } from 'vitest'
import { DENY_REASONS, PolicyDataError, PolicyEngine, POLICY_EVAL_FAILED, validatePolicyData, type PolicyBundle } from '../../src/policy/index.js'
import { PolicyInstance } from '../../src/policy/instance.js'
import { committedBundle, policyCases } from '../helpers/policy.js'

const cases = policyCases()
let bundle: PolicyBundle

beforeAll(async () => {
  bundle = await committedBundle()
})

describe('policy vectors through the compiled wasm', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const raw = new PolicyInstance(bundle.module, { ...bundle.defaults, ...c.data })
    expect(raw.evaluate(c.entrypoint, c.input)).toEqual([{ result: c.expect }])

    if (c.load_error) {
      const thrown = (() => {
        try {
          validatePolicyData({ ...bundle.defaults, ...c.data })
        } catch (error) {
          return error
        }
        return undefined
      })()
      expect(thrown).toBeInstanceOf(PolicyDataError)
      expect(thrown).toMatchObject({ code: 'ERR_POLICY_DATA_INVALID', document: c.load_error.document, path: c.load_error.path })
      return
    }
    const engine = new PolicyEngine({ bundle })
    engine.activate('zone-1', c.data)
    const decision = engine.evaluate('zone-1', c.entrypoint, c.input)
    expect(decision.decision).toBe(c.expect.decision)
    expect(decision.diagnostics).toEqual(c.expect.diagnostics)
    expect(decision.reason).toBe(c.expect.decision === 'deny' ? c.expect.diagnostics[0]!.reason : undefined)
  })
})

describe('policy vector coverage', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40)
  })

  it('exercises every deny reason of the contract', () => {
    const seen = new Set(cases.flatMap((c) => c.expect.diagnostics.map((d) => d.reason)))
    const missing = DENY_REASONS.filter((r) => r !== POLICY_EVAL_FAILED && !seen.has(r))
    expect(missing).toEqual([])
  })

  it('exercises every allow rule: bootstrap, agent mint, delegated mint, tool call, step-up', () => {
    const allows = cases.filter((c) => c.expect.decision === 'allow')
    expect(allows.some((c) => c.expect.determining_policies[0]!.policy === 'caracal-bootstrap')).toBe(true)
    expect(allows.some((c) => /-mint$/.test(c.expect.determining_policies[0]!.policy) && !c.input.delegation_edge)).toBe(true)
    expect(allows.some((c) => /-mint$/.test(c.expect.determining_policies[0]!.policy) && c.input.delegation_edge)).toBe(true)
    expect(allows.some((c) => /-tool-call$/.test(c.expect.determining_policies[0]!.policy))).toBe(true)
    expect(allows.some((c) => c.expect.diagnostics.some((d) => 'step_up_required' in d))).toBe(true)
  })
})
