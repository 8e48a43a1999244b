// A compiled policy ready to instantiate: the wasm (checked against its manifest when it has
// one), its default data documents, and the compiled WebAssembly.Module shared by every version.
import { sha256Hex } from '../util/sha256.js'
import { readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { packageRoot } from '../util/package-root.js'
import { REQUIRED_ENTRYPOINTS } from './contract.js'
import { PolicyBundleError } from './errors.js'
import { PolicyInstance } from './instance.js'

export interface PolicyManifest {
  decision_contract_version: string
  input_schema_version: string
  opa_version: string
  entrypoints: string[]
  wasm: string
  wasm_sha256: string
  sources_sha256: string
  sources: { path: string; sha256: string }[]
}

export interface PolicyBundle {
  module: WebAssembly.Module
  wasmSha256: string
  /** Raw default data documents; zone data overlays them document by document. */
  defaults: Record<string, unknown>
  manifest?: PolicyManifest
}

/** Where the committed build lives: policies/build/manifest.json beside authz.wasm. */
export function defaultManifestPath(): string {
  return join(packageRoot(), 'policies', 'build', 'manifest.json')
}

async function readBytes(path: string, what: string): Promise<Buffer<ArrayBuffer>> {
  try {
    return await readFile(path)
  } catch (error) {
    throw new PolicyBundleError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, { cause: error })
  }
}

function parseJson(bytes: Buffer, path: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    throw new PolicyBundleError(`${path} is not valid JSON`, { cause: error })
  }
}

async function compile(wasm: Uint8Array<ArrayBuffer>, path: string): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(wasm)
  } catch (error) {
    throw new PolicyBundleError(`${path} is not a WebAssembly module: ${(error as Error).message}`, { cause: error })
  }
}

/** Refuses a module that lacks one of the entrypoints the proxy and STS call. */
function requireEntrypoints(module: WebAssembly.Module, path: string): void {
  const exported = new PolicyInstance(module, {}).entrypoints
  const missing = REQUIRED_ENTRYPOINTS.filter((e) => !exported.includes(e))
  if (missing.length > 0) throw new PolicyBundleError(`${path} does not export entrypoint(s) ${missing.join(', ')}`)
}

/**
 * Loads a build described by a manifest (ours by default). The wasm must hash to the manifest's
 * `wasm_sha256` and the default data to its `data.json` source entry: a swapped or truncated
 * artefact is refused rather than evaluated.
 */
export async function loadPolicyBundle(manifestPath = defaultManifestPath()): Promise<PolicyBundle> {
  const manifest = parseJson(await readBytes(manifestPath, 'policy manifest'), manifestPath) as PolicyManifest
  if (typeof manifest?.wasm !== 'string' || basename(manifest.wasm) !== manifest.wasm || typeof manifest.wasm_sha256 !== 'string') {
    throw new PolicyBundleError(`${manifestPath} does not name its wasm file and sha256`)
  }
  const wasmPath = join(dirname(manifestPath), manifest.wasm)
  const wasm = await readBytes(wasmPath, 'policy wasm')
  const wasmSha256 = sha256Hex(wasm)
  if (wasmSha256 !== manifest.wasm_sha256) {
    throw new PolicyBundleError(`${wasmPath} does not match its manifest (sha256 ${wasmSha256}, manifest says ${manifest.wasm_sha256})`)
  }
  const defaultsPath = join(dirname(manifestPath), '..', 'data.json')
  const defaultsBytes = await readBytes(defaultsPath, 'default policy data')
  const declared = manifest.sources?.find((s) => s.path === 'data.json')?.sha256
  if (declared !== sha256Hex(defaultsBytes)) {
    throw new PolicyBundleError(`${defaultsPath} does not match the manifest's data.json entry; rebuild the policies`)
  }
  const module = await compile(wasm, wasmPath)
  requireEntrypoints(module, wasmPath)
  return { module, wasmSha256, defaults: parseJson(defaultsBytes, defaultsPath) as Record<string, unknown>, manifest }
}

/** Loads an adopter's own compiled contract: no manifest, empty default data. */
export async function loadPolicyWasm(wasmPath: string): Promise<PolicyBundle> {
  const wasm = await readBytes(wasmPath, 'policy wasm')
  const module = await compile(wasm, wasmPath)
  requireEntrypoints(module, wasmPath)
  return { module, wasmSha256: sha256Hex(wasm), defaults: {} }
}
