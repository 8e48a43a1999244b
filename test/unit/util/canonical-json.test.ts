// Canonical JSON: the bytes content hashes are taken over. Keys sorted at every depth, no
// whitespace, undefined members left out, and no representation for what JSON cannot say.
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../../src/util/canonical-json.js'

/**
 * The definition, written plainly (the form this module had before it was made fast). Not
 * JSON.stringify of a re-keyed copy: objects list integer-like keys first whatever their order.
 */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record).sort().filter((key) => record[key] !== undefined)
    return `{${keys.map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** Deterministic pseudo-random JSON values (strings with quotes, escapes and non-ASCII included). */
function* values(count: number): Generator<unknown> {
  let seed = 42
  const next = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  const strings = ['', 'a', 'zé', 'quote"d', 'back\\slash', 'line\nbreak', '\u0001', '🦁', '__proto__x', '10', 'B', 'b']
  const make = (depth: number): unknown => {
    const r = next()
    if (depth > 3 || r < 0.3) return [null, true, false, 0, -1.5, 1e21, 123456789, strings[Math.floor(next() * strings.length)]][Math.floor(next() * 8)]
    if (r < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => make(depth + 1))
    const o: Record<string, unknown> = {}
    for (let i = Math.floor(next() * 5); i > 0; i--) o[strings[Math.floor(next() * strings.length)]!] = next() < 0.1 ? undefined : make(depth + 1)
    return o
  }
  for (let i = 0; i < count; i++) yield make(0)
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'x' }], c: undefined }, 10: true, 9: false })).toBe('{"10":true,"9":false,"a":{"d":[3,{"y":"x","z":null}]},"b":1}')
    expect(canonicalJson([])).toBe('[]')
    expect(canonicalJson({})).toBe('{}')
    expect(canonicalJson('é"\n')).toBe('"é\\"\\n"')
  })

  it('gives the same bytes as the plain definition for many values', () => {
    for (const value of values(2_000)) expect(canonicalJson(value)).toBe(reference(value))
  })

  it('refuses what JSON cannot represent', () => {
    for (const bad of [Number.NaN, Infinity, undefined, () => 1, Symbol('s'), 1n, [1, undefined], { a: [Infinity] }]) expect(() => canonicalJson(bad)).toThrow(TypeError)
  })
})
