// Shared loading of the committed policy build for tests: one bundle per test file.
import { loadPolicyBundle, type PolicyBundle } from '../../src/policy/index.js'
import { readVectors } from './vectors.js'

let bundle: Promise<PolicyBundle> | undefined

export function committedBundle(): Promise<PolicyBundle> {
  bundle ??= loadPolicyBundle()
  return bundle
}

export interface PolicyCase {
  id: string
  description: string
  source: string
  entrypoint: 'caracal/authz/result' | 'caracal/authz/tool_call'
  input: Record<string, unknown>
  data: Record<string, unknown>
  expect: {
    decision: 'allow' | 'deny'
    evaluation_status: string
    determining_policies: { policy: string }[]
    diagnostics: Record<string, unknown>[]
  }
  load_error?: { document: string; path: string }
}

/** Every fixtures/policy case. */
export function policyCases(): PolicyCase[] {
  return readVectors<PolicyCase>('policy', ['description', 'source', 'entrypoint', 'input', 'data', 'expect', 'load_error'])
}
