// Proves the engine's lifecycle on the committed wasm: zones hold their own versions, activation
// swaps whole versions without disturbing holders of the old one, identical content shares an
// instance, and every failure (no policy, unknown entrypoint, a trap inside the wasm, tampered
// artefacts) is a deny or a refused load, never an allow.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ENTRYPOINTS,
  PolicyBundleError,
  PolicyDataError,
  PolicyEngine,
  buildExchangeInput,
  loadPolicyBundle,
  loadPolicyWasm,
  type PolicyBundle,
} from '../../../src/policy/index.js'
import { packageRoot } from '../../../src/util/package-root.js'
import { committedBundle } from '../../helpers/policy.js'

const data = {
  app_ids: { 'app-1': 'app-1' },
  grants: { 'resource://files/read': { application: 'app-1', roles: { 'app-1': ['files:read'] } } },
}
const input = buildExchangeInput({
  principal: { applicationId: 'app-1', zoneId: 'zone-a', agentSessionId: 'sess-1', labels: ['app-1'] },
  resource: { id: 'r1', identifier: 'resource://files/read', scopes: ['files:read'] },
  requestedScopes: ['files:read'],
  traceId: 'req-1',
})

let bundle: PolicyBundle
beforeAll(async () => {
  bundle = await committedBundle()
})

describe('PolicyEngine', () => {
  it('denies with policy_eval_failed in a zone that has no active policy', () => {
    const decision = new PolicyEngine({ bundle }).evaluate('zone-a', ENTRYPOINTS.exchange, input)
    expect(decision).toMatchObject({ decision: 'deny', evaluationStatus: 'policy_eval_failed', reason: 'policy_eval_failed' })
    expect(decision.detail).toContain('zone-a')
  })

  it('keeps a different version per zone', () => {
    const engine = new PolicyEngine({ bundle })
    engine.activate('zone-a', data)
    engine.activate('zone-b', { ...data, restrict: ['freeze'] })
    expect(engine.evaluate('zone-a', ENTRYPOINTS.exchange, input).decision).toBe('allow')
    expect(engine.evaluate('zone-b', ENTRYPOINTS.exchange, input)).toMatchObject({ decision: 'deny', reason: 'restriction_active' })
    expect(engine.version('zone-a')!.id).not.toBe(engine.version('zone-b')!.id)
  })

  it('identifies versions by content and shares one instance between identical zones', () => {
    const engine = new PolicyEngine({ bundle })
    const a = engine.activate('zone-a', data)
    const b = engine.activate('zone-b', JSON.parse(JSON.stringify(data)))
    expect(b).toBe(a)
    expect(a.id).toMatch(/^[0-9a-f]{64}$/)
  })

  it('swaps a zone to a new version while a holder of the old version keeps deciding with it', () => {
    const engine = new PolicyEngine({ bundle })
    const before = engine.activate('zone-a', data)
    const after = engine.activate('zone-a', { ...data, restrict: ['freeze'] })
    expect(before.evaluate(ENTRYPOINTS.exchange, input)).toMatchObject({ decision: 'allow', policyVersion: before.id })
    expect(engine.evaluate('zone-a', ENTRYPOINTS.exchange, input)).toMatchObject({ decision: 'deny', policyVersion: after.id })
  })

  it('refuses malformed data at activation and keeps the active version', () => {
    const engine = new PolicyEngine({ bundle })
    const active = engine.activate('zone-a', data)
    expect(() => engine.activate('zone-a', { ...data, approval_tiers: [{ tier: 'high', approver: 'boss' }] })).toThrow(PolicyDataError)
    expect(() => engine.activate('zone-a', 'not data')).toThrow(PolicyDataError)
    expect(engine.version('zone-a')).toBe(active)
  })

  it('denies an unknown entrypoint with policy_eval_failed', () => {
    const engine = new PolicyEngine({ bundle })
    engine.activate('zone-a', data)
    const decision = engine.evaluate('zone-a', 'caracal/authz/allow_everything' as never, input)
    expect(decision).toMatchObject({ decision: 'deny', reason: 'policy_eval_failed' })
  })

  it('denies an input that is not JSON (undefined, a BigInt, a cycle) with policy_eval_failed', () => {
    const engine = new PolicyEngine({ bundle })
    engine.activate('zone-a', data)
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const bad of [undefined, { n: 1n }, cyclic]) {
      expect(engine.evaluate('zone-a', ENTRYPOINTS.exchange, bad)).toMatchObject({ decision: 'deny', reason: 'policy_eval_failed' })
    }
  })

  it('denies when the wasm runs out of memory, then recovers for the next evaluation', () => {
    const engine = new PolicyEngine({ bundle, memory: { initialPages: 5, maximumPages: 40 } })
    engine.activate('zone-a', data)
    const huge = { ...input, padding: 'x'.repeat(4 * 1024 * 1024) }
    const failed = engine.evaluate('zone-a', ENTRYPOINTS.exchange, huge)
    expect(failed).toMatchObject({ decision: 'deny', reason: 'policy_eval_failed' })
    expect(failed.detail).toMatch(/Maximum memory size exceeded/)
    expect(engine.evaluate('zone-a', ENTRYPOINTS.exchange, input).decision).toBe('allow')
  })
})

describe('loading the compiled policy', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

  function copyOfBuild(): string {
    const dir = mkdtempSync(join(tmpdir(), 'caracal-policy-'))
    dirs.push(dir)
    const build = join(dir, 'build')
    mkdirSync(build)
    const policies = join(packageRoot(), 'policies')
    for (const f of ['manifest.json', 'authz.wasm']) copyFileSync(join(policies, 'build', f), join(build, f))
    copyFileSync(join(policies, 'data.json'), join(dir, 'data.json'))
    return build
  }

  it('loads the committed build', async () => {
    const loaded = await loadPolicyBundle()
    expect(loaded.manifest?.entrypoints).toEqual(Object.values(ENTRYPOINTS))
  })

  it('refuses a wasm that does not match its manifest', async () => {
    const build = copyOfBuild()
    const wasm = readFileSync(join(build, 'authz.wasm'))
    wasm[wasm.length - 1]! ^= 0xff
    writeFileSync(join(build, 'authz.wasm'), wasm)
    await expect(loadPolicyBundle(join(build, 'manifest.json'))).rejects.toThrow(/does not match its manifest/)
  })

  it('refuses default data that does not match the manifest', async () => {
    const build = copyOfBuild()
    writeFileSync(join(build, '..', 'data.json'), JSON.stringify({ app_ids: { x: 'y' } }))
    await expect(loadPolicyBundle(join(build, 'manifest.json'))).rejects.toThrow(PolicyBundleError)
  })

  it('refuses a file that is not wasm', async () => {
    const build = copyOfBuild()
    await expect(loadPolicyWasm(join(build, 'manifest.json'))).rejects.toThrow(/is not a WebAssembly module/)
  })

  it('refuses a missing manifest with the path named', async () => {
    await expect(loadPolicyBundle('/nonexistent/manifest.json')).rejects.toThrow(/cannot read policy manifest \/nonexistent\/manifest.json: ENOENT/)
  })
})
