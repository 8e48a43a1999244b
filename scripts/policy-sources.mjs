// The policy build's shared facts: the pinned OPA, which files are sources, their hash, and the
// Rego rendering of the fixture cases. Used by build-policies.mjs and by the freshness tests.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

export const OPA_VERSION = '1.22.2'
export const OPA_MODULE = 'github.com/open-policy-agent/opa'
export const ENTRYPOINTS = ['caracal/authz/result', 'caracal/authz/tool_call']
export const DECISION_CONTRACT_VERSION = '2026-11-25'
export const INPUT_SCHEMA_VERSION = '2026-05-20'
export const WASM_FILE = 'authz.wasm'
export const CASES_TEST_FILE = 'authz/cases_test.rego'

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? walk(path) : [path]
  })
}

/** Rego modules compiled into the wasm (tests excluded: they do not change the artefact). */
export function regoSources(policiesDir) {
  return walk(policiesDir)
    .filter((p) => p.endsWith('.rego') && !p.endsWith('_test.rego'))
    .map((p) => relative(policiesDir, p).split(sep).join('/'))
    .sort()
}

/** Every input of the build: the Rego modules and the default data document. */
export function policySources(policiesDir) {
  return [...regoSources(policiesDir), 'data.json'].sort().map((path) => ({
    path,
    sha256: sha256(readFileSync(join(policiesDir, path))),
  }))
}

export function sourcesDigest(sources) {
  return sha256(sources.map((s) => `${s.sha256}  ${s.path}\n`).join(''))
}

export function fileSha256(path) {
  return sha256(readFileSync(path))
}

/** The fixture cases, sorted by id. */
export function readPolicyCases(fixturesDir) {
  return readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ id: f.slice(0, -'.json'.length), ...JSON.parse(readFileSync(join(fixturesDir, f), 'utf8')) }))
}

const RULE_OF_ENTRYPOINT = {
  'caracal/authz/result': 'authz.result',
  'caracal/authz/tool_call': 'authz.tool_call',
}

/**
 * Renders the fixture cases as `opa test` cases, so the Rego tests and the wasm vectors are the
 * same cases by construction: each replaces only the data documents the case names.
 */
export function renderCasesTest(cases) {
  const tests = cases.map((c) => {
    const rule = RULE_OF_ENTRYPOINT[c.entrypoint]
    if (!rule) throw new TypeError(`policy case ${c.id}: unknown entrypoint ${c.entrypoint}`)
    const withData = Object.keys(c.data)
      .sort()
      .map((doc) => `\n\t\twith data.${doc} as ${JSON.stringify(c.data[doc])}`)
      .join('')
    return [
      `# ${c.id}: ${c.description}`,
      `test_${c.id.replaceAll('-', '_')} if {`,
      `\tr := ${rule} with input as ${JSON.stringify(c.input)}${withData}`,
      `\tr == ${JSON.stringify(c.expect)}`,
      '}',
    ].join('\n')
  })
  return [
    '# Generated from fixtures/policy/*.json by `npm run policies:build`; do not edit by hand.',
    '# The same cases run through the compiled wasm in test/conformance/policy-vectors.test.ts.',
    'package caracal.authz_cases_test',
    '',
    'import data.caracal.authz',
    '',
    tests.join('\n\n'),
    '',
  ].join('\n')
}
