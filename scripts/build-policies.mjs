#!/usr/bin/env node
// Builds policies/build/authz.wasm and its manifest with the pinned OPA, regenerating the Rego
// cases test from fixtures/policy first. Installs the pinned OPA with `go install` when missing.
//   node scripts/build-policies.mjs            rebuild and write
//   node scripts/build-policies.mjs --check    rebuild in a temp dir; exit 1 if anything committed is stale
//   node scripts/build-policies.mjs --test     also run `opa test policies/`
//   node scripts/build-policies.mjs --test-only
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  CASES_TEST_FILE,
  DECISION_CONTRACT_VERSION,
  ENTRYPOINTS,
  INPUT_SCHEMA_VERSION,
  OPA_MODULE,
  OPA_VERSION,
  WASM_FILE,
  fileSha256,
  policySources,
  readPolicyCases,
  regoSources,
  renderCasesTest,
  sourcesDigest,
} from './policy-sources.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const policiesDir = join(root, 'policies')
const buildDir = join(policiesDir, 'build')
const args = new Set(process.argv.slice(2))

function fail(message) {
  console.error(`policies: ${message}`)
  process.exit(1)
}

function opaVersionOf(bin) {
  try {
    const out = execFileSync(bin, ['version'], { encoding: 'utf8' })
    return /^Version:\s*(\S+)/m.exec(out)?.[1]
  } catch {
    return undefined
  }
}

/** The pinned opa binary: $OPA_BIN, else a cached `go install`, installed on first use. */
function findOpa() {
  if (process.env.OPA_BIN) {
    const version = opaVersionOf(process.env.OPA_BIN)
    if (version !== OPA_VERSION) fail(`OPA_BIN=${process.env.OPA_BIN} is opa ${version ?? '(not runnable)'}, need ${OPA_VERSION}`)
    return process.env.OPA_BIN
  }
  const cacheDir = process.env.CARACAL_OPA_CACHE ?? join(homedir(), '.cache', 'caracal-mcp', 'opa', OPA_VERSION)
  const bin = join(cacheDir, 'opa')
  if (opaVersionOf(bin) === OPA_VERSION) return bin
  mkdirSync(cacheDir, { recursive: true })
  console.error(`policies: installing opa ${OPA_VERSION} with go install into ${cacheDir}`)
  try {
    execFileSync('go', ['install', `${OPA_MODULE}@v${OPA_VERSION}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOBIN: cacheDir },
    })
  } catch (error) {
    fail(`could not install opa: go install ${OPA_MODULE}@v${OPA_VERSION} failed (${error.code ?? error.status}); Go is needed to rebuild policies, never to run or test them`)
  }
  if (opaVersionOf(bin) !== OPA_VERSION) fail(`go install did not produce opa ${OPA_VERSION} at ${bin}`)
  return bin
}

/** Compiles the Rego into outDir and returns the files a build writes, by name. */
function build(opa, outDir) {
  const bundle = join(outDir, 'bundle.tar.gz')
  const entrypoints = ENTRYPOINTS.flatMap((e) => ['-e', e])
  const modules = regoSources(policiesDir)
  execFileSync(opa, ['build', '-t', 'wasm', ...entrypoints, '-o', bundle, ...modules], { cwd: policiesDir, stdio: 'inherit' })
  // OPA writes members with a leading slash; GNU tar strips it and says so on stderr every time.
  execFileSync('tar', ['-xzf', bundle, '-C', outDir, '/policy.wasm'], { stdio: ['ignore', 'inherit', 'pipe'] })
  const wasm = readFileSync(join(outDir, 'policy.wasm'))
  const sources = policySources(policiesDir)
  const manifest = {
    contract: 'caracal-mcp decision contract',
    decision_contract_version: DECISION_CONTRACT_VERSION,
    input_schema_version: INPUT_SCHEMA_VERSION,
    opa_version: OPA_VERSION,
    entrypoints: ENTRYPOINTS,
    wasm: WASM_FILE,
    wasm_sha256: fileSha256(join(outDir, 'policy.wasm')),
    sources_sha256: sourcesDigest(sources),
    sources,
  }
  return { [WASM_FILE]: wasm, 'manifest.json': JSON.stringify(manifest, null, 2) + '\n' }
}

function casesTest() {
  return renderCasesTest(readPolicyCases(join(root, 'fixtures', 'policy')))
}

const opa = findOpa()

if (!args.has('--test-only')) {
  const casesPath = join(policiesDir, CASES_TEST_FILE)
  const tmp = mkdtempSync(join(tmpdir(), 'caracal-policies-'))
  try {
    if (args.has('--check')) {
      const stale = []
      if (!existsSync(casesPath) || readFileSync(casesPath, 'utf8') !== casesTest()) stale.push(`policies/${CASES_TEST_FILE}`)
      for (const [name, bytes] of Object.entries(build(opa, tmp))) {
        const committed = join(buildDir, name)
        if (!existsSync(committed) || !readFileSync(committed).equals(Buffer.from(bytes))) stale.push(`policies/build/${name}`)
      }
      if (stale.length > 0) fail(`stale: ${stale.join(', ')}; run npm run policies:build and commit the result`)
      console.log(`policies: build is current (opa ${OPA_VERSION})`)
    } else {
      writeFileSync(casesPath, casesTest())
      mkdirSync(buildDir, { recursive: true })
      for (const [name, bytes] of Object.entries(build(opa, tmp))) writeFileSync(join(buildDir, name), bytes)
      console.log(`policies: built policies/build/${WASM_FILE} with opa ${OPA_VERSION}`)
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

if (args.has('--test') || args.has('--test-only')) {
  execFileSync(opa, ['test', '-v', 'policies/'], { cwd: root, stdio: 'inherit' })
}
