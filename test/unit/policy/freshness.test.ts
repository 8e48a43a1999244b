// Proves the committed policy build matches its sources: the manifest's source hashes are the
// files' current hashes, the wasm is the one the manifest names, and the generated Rego cases
// test is current with fixtures/policy. Rebuilding needs Go (npm run policies:build); this test
// does not, so `npm test` catches a forgotten rebuild on any machine.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as sources from '../../../scripts/policy-sources.mjs'
import { ENTRYPOINTS, INPUT_SCHEMA_VERSION } from '../../../src/policy/index.js'
import { packageRoot } from '../../../src/util/package-root.js'

const root = packageRoot()
const policiesDir = join(root, 'policies')
const manifest = JSON.parse(readFileSync(join(policiesDir, 'build', 'manifest.json'), 'utf8'))

describe('committed policy build', () => {
  it('was built from the current Rego and default data', () => {
    const current = sources.policySources(policiesDir)
    expect(current, 'policy sources changed; rebuild policies/build/authz.wasm with npm run policies:build').toEqual(manifest.sources)
    expect(sources.sourcesDigest(current)).toBe(manifest.sources_sha256)
  })

  it('ships the wasm its manifest names', () => {
    expect(sources.fileSha256(join(policiesDir, 'build', manifest.wasm))).toBe(manifest.wasm_sha256)
  })

  it('was built by the pinned OPA with the entrypoints and schema the runtime uses', () => {
    expect(manifest.opa_version).toBe(sources.OPA_VERSION)
    expect(manifest.entrypoints).toEqual(Object.values(ENTRYPOINTS))
    expect(sources.ENTRYPOINTS).toEqual(Object.values(ENTRYPOINTS))
    expect(manifest.input_schema_version).toBe(INPUT_SCHEMA_VERSION)
  })

  it('has a Rego cases test generated from the current fixtures', () => {
    const committed = readFileSync(join(policiesDir, sources.CASES_TEST_FILE), 'utf8')
    const rendered = sources.renderCasesTest(sources.readPolicyCases(join(root, 'fixtures', 'policy')))
    expect(committed === rendered, 'fixtures/policy changed; regenerate with npm run policies:build').toBe(true)
  })
})
