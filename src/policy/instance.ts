// One running copy of a compiled policy with its data set: a thin, synchronous wrapper over
// opa-wasm that turns its thrown strings into typed errors and never reuses a copy that failed.
import { createRequire } from 'node:module'
import type * as OpaWasm from '@open-policy-agent/opa-wasm'
import { PolicyBundleError, PolicyEvaluationError } from './errors.js'

// The package's ESM entry exports only loadPolicy by name; its CommonJS entry has everything,
// including the synchronous loader used to rebuild an instance in place.
const { loadPolicySync } = createRequire(import.meta.url)('@open-policy-agent/opa-wasm') as typeof OpaWasm
type LoadedPolicy = OpaWasm.LoadedPolicy

/** Wasm memory pages (64 KiB each): start small, and cap what one evaluation can grow to. */
export interface MemoryLimits {
  initialPages: number
  maximumPages: number
}

export const DEFAULT_MEMORY_LIMITS: MemoryLimits = { initialPages: 5, maximumPages: 2048 }

function describe(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown
  if (thrown instanceof Error) return thrown.message
  if (typeof thrown === 'object' && thrown !== null && 'message' in thrown) return String(thrown.message)
  return String(thrown)
}

const ENCODER = new TextEncoder()
const DECODER = new TextDecoder('utf-8', { fatal: true })
const WASM_PAGE = 64 * 1024

export class PolicyInstance {
  readonly #module: WebAssembly.Module
  readonly #data: ArrayBuffer
  readonly #memory: MemoryLimits
  #loaded: LoadedPolicy

  /**
   * @param module the compiled wasm, shared by every instance of the same policy
   * @param data the data documents, already validated (or deliberately raw, in tests)
   */
  constructor(module: WebAssembly.Module, data: unknown, memory: MemoryLimits = DEFAULT_MEMORY_LIMITS) {
    this.#module = module
    this.#memory = memory
    this.#data = ENCODER.encode(JSON.stringify(data)).buffer as ArrayBuffer
    try {
      this.#loaded = this.#instantiate()
    } catch (thrown) {
      throw new PolicyBundleError(`policy wasm could not be instantiated with its data: ${describe(thrown)}`, { cause: thrown })
    }
  }

  #instantiate(): LoadedPolicy {
    const loaded = loadPolicySync(this.#module, { initial: this.#memory.initialPages, maximum: this.#memory.maximumPages })
    loaded.setData(this.#data)
    return loaded
  }

  /**
   * ABI 1.2's single-call evaluation, as opa-wasm's own fast path does it, but with one shared
   * encoder and decoder: opa-wasm builds a TextEncoder and a TextDecoder on every call, which
   * costs more than a typical decision's rules. Older ABIs go through opa-wasm unchanged.
   */
  #evaluate(id: number, entrypoint: string, inputJson: string): unknown {
    const loaded = this.#loaded
    if ((loaded.minorVersion as number) < 2) return loaded.evaluate(ENCODER.encode(inputJson).buffer, entrypoint)

    const memory = loaded.mem
    const inputAddr = loaded.dataHeapPtr as number
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const shortfall = inputAddr + inputJson.length * 3 - memory.buffer.byteLength
    if (shortfall > 0) memory.grow(Math.ceil(shortfall / WASM_PAGE))
    const { written } = ENCODER.encodeInto(inputJson, new Uint8Array(memory.buffer, inputAddr))
    const exports = (loaded.wasmInstance as WebAssembly.Instance).exports as { opa_eval: (...args: number[]) => number }
    const resultAddr = exports.opa_eval(0, id, loaded.dataAddr, inputAddr, written, inputAddr + written, 0)
    const bytes = new Uint8Array(memory.buffer)
    const end = bytes.indexOf(0, resultAddr)
    if (end < 0) throw new TypeError('policy result is not terminated')
    return JSON.parse(DECODER.decode(bytes.subarray(resultAddr, end)))
  }

  /** Entrypoint names the wasm exports. */
  get entrypoints(): string[] {
    return Object.keys(this.#loaded.entrypoints as Record<string, number>)
  }

  /**
   * Evaluates one entrypoint and returns the raw result set. A wasm trap or abort may leave the
   * instance's memory in any state, so after a failure the instance is rebuilt from the module
   * before the next evaluation.
   */
  evaluate(entrypoint: string, input: unknown): unknown {
    const entrypoints = this.#loaded.entrypoints as Record<string, number>
    if (!Object.hasOwn(entrypoints, entrypoint)) throw new PolicyEvaluationError(`entrypoint ${entrypoint} is not in this policy`)
    const inputJson = JSON.stringify(input) as string | undefined
    if (inputJson === undefined) throw new PolicyEvaluationError('policy input is not JSON')
    try {
      return this.#evaluate(entrypoints[entrypoint]!, entrypoint, inputJson)
    } catch (thrown) {
      try {
        this.#loaded = this.#instantiate()
      } catch {
        // Keep the old copy; the next evaluation fails again and is denied again.
      }
      throw new PolicyEvaluationError(`policy evaluation failed: ${describe(thrown)}`, { cause: thrown })
    }
  }
}
