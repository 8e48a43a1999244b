// Proves canonical JSON, which the audit's JSON columns (and their hashes) are made of, holds only
// JSON's own values: a Date, Map, Set, class instance, typed array or an undefined array item is a
// TypeError naming its path, never a silent {} or null; undefined object members are still left
// out; and every C0 control character comes out escaped, so a JSON column never holds the 0x1F
// that separates the fields of a row's content hash. (test/unit/util/canonical-json.test.ts
// proves the byte format against a plain reference.)
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../../src/util/canonical-json.js'

class Grant {
  constructor(readonly scope: string) {}
}

describe('canonicalJson', () => {
  it('refuses what JSON cannot say, naming the path', () => {
    const cases: [unknown, string][] = [
      [{ at: new Date(0) }, 'a Date at $.at'],
      [{ a: [1, { seen: new Map() }] }, 'a Map at $.a[1].seen'],
      [[new Set([1])], 'a Set at $[0]'],
      [{ grant: new Grant('files:read') }, 'a Grant at $.grant'],
      [{ 'odd key': [1, undefined] }, 'undefined at $["odd key"][1]'],
      [{ bytes: new Uint8Array(2) }, 'a Uint8Array at $.bytes'],
      [{ n: Number.NaN }, 'a non-finite number at $.n'],
      [{ f: () => 1 }, 'a function at $.f'],
      [new Date(0), 'a Date at $'],
    ]
    for (const [value, where] of cases) expect(() => canonicalJson(value)).toThrow(new TypeError(`canonical JSON has no representation for ${where}`))
  })

  it('accepts plain objects (null-prototype ones too) and still leaves out undefined members', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: undefined })
    expect(canonicalJson({ z: bare, y: [null, true, 'x', 1.5] })).toBe('{"y":[null,true,"x",1.5],"z":{"b":1}}')
  })

  it('escapes every C0 control character, in keys and values', () => {
    const all = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('')
    const text = canonicalJson({ [all]: [all] })
    expect(text).not.toMatch(/[\u0000-\u001f]/)
    expect(JSON.parse(text)).toEqual({ [all]: [all] })
  })
})
