// Shared loading of the committed policy build for tests: one bundle per test file.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadPolicyBundle, type PolicyBundle } from '../../src/policy/index.js'
import { packageRoot } from '../../src/util/package-root.js'

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

const CASE_FIELDS = new Set(['description', 'source', 'entrypoint', 'input', 'data', 'expect', 'load_error'])

/** Every fixtures/policy case; a file with an unknown field fails loudly rather than being half-read. */
export function policyCases(): PolicyCase[] {
  const dir = join(packageRoot(), 'fixtures', 'policy')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const body = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>
      const unknown = Object.keys(body).filter((k) => !CASE_FIELDS.has(k))
      if (unknown.length > 0) throw new Error(`fixtures/policy/${file}: unknown field(s) ${unknown.join(', ')}`)
      return { id: file.slice(0, -'.json'.length), ...body } as PolicyCase
    })
}
