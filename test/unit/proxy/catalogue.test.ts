// The catalogue assigns every listed tool, prompt, resource and template to the one group whose
// patterns match it; anything in no group, or in two, is withheld. Names are prefixed with the
// server on the aggregated endpoint, URIs never; a URI governed by two servers is unknown.
import { describe, expect, it } from 'vitest'
import { configSchema } from '../../../src/config/index.js'
import { Catalogue } from '../../../src/proxy/catalogue.js'
import { endpointOf } from '../../../src/proxy/resource-metadata.js'

const config = configSchema.parse({
  policy: { zones: { z: { data: 'z.json' } } },
  mcpServers: { a: { url: 'http://127.0.0.1:1/mcp' }, b: { command: 'node' }, c: { command: 'node' } },
  protection: {
    a: {
      groups: {
        read: { tools: ['read_*', 'list'], prompts: ['summary'], resources: ['file:///srv/*'], scopes: ['a:read'], toolScopes: { list: ['a:list'] } },
        write: { tools: ['write_*', '*_file'], scopes: ['a:write'] },
      },
    },
    b: { groups: { all: { tools: ['*'], resources: ['file:///srv/shared/*'], scopes: ['b:use'] } } },
    c: { groups: { all: { tools: ['*'], scopes: ['c:use'], toolScopes: { x: ['c:x'] } } } },
  },
})

function catalogue(warnings: string[] = []): Catalogue {
  const c = new Catalogue(config.protection, () => 'z', (line) => void warnings.push(line))
  c.replace('a', 'tool', [{ name: 'read_note' }, { name: 'list' }, { name: 'write_note' }, { name: 'read_file' }, { name: 'delete_all' }])
  c.replace('a', 'prompt', [{ name: 'summary' }, { name: 'other' }])
  c.replace('a', 'resource', [{ uri: 'file:///srv/a.txt', name: 'a' }, { uri: 'file:///etc/passwd', name: 'p' }])
  c.replace('b', 'tool', [{ name: 'anything' }])
  return c
}

describe('Catalogue', () => {
  it('offers only what one group claims, with the group\'s resource and the tool\'s scopes', () => {
    const warnings: string[] = []
    const c = catalogue(warnings)
    const tools = c.entries(endpointOf('a'), 'tool')
    expect(tools.map((t) => [t.name, t.group, t.resource, t.scopes])).toEqual([
      ['read_note', 'read', 'resource://a/read', ['a:read']],
      ['list', 'read', 'resource://a/read', ['a:list']],
      ['write_note', 'write', 'resource://a/write', ['a:write']],
    ])
    // read_file matches read_* and *_file: withheld, and said so; delete_all matches nothing.
    expect(warnings).toEqual([expect.stringContaining('tool read_file matches the groups read, write')])
    expect(c.entries(endpointOf('a'), 'prompt').map((p) => p.name)).toEqual(['summary'])
    expect(c.entries(endpointOf('a'), 'resource').map((r) => r.name)).toEqual(['file:///srv/a.txt'])
  })

  it('prefixes tool and prompt names with the server on /mcp and resolves them back', () => {
    const c = catalogue()
    const all = endpointOf(undefined)
    expect(c.entries(all, 'tool').map((t) => c.exposedName(all, t))).toEqual(['a__read_note', 'a__list', 'a__write_note', 'b__anything'])
    expect(c.resolve(all, 'tool', 'a__read_note')?.name).toBe('read_note')
    expect(c.resolve(all, 'tool', 'read_note')).toBeUndefined()
    expect(c.resolve(all, 'tool', 'a__read_file')).toBeUndefined()
    expect(c.resolve(endpointOf('a'), 'tool', 'read_note')?.server).toBe('a')
    expect(c.resolve(endpointOf('a'), 'tool', 'a__read_note')).toBeUndefined()
    expect(c.exposed(all, c.resolve(all, 'prompt', 'a__summary')!)).toEqual({ name: 'a__summary' })
  })

  it('resolves a URI by the groups that govern it, listed or not, and refuses one two servers govern', () => {
    const c = catalogue()
    const all = endpointOf(undefined)
    expect(c.resolveUri(all, 'file:///srv/a.txt')?.server).toBe('a')
    expect(c.resolveUri(all, 'file:///srv/unlisted.txt')?.group).toBe('read')
    expect(c.resolveUri(all, 'file:///etc/passwd')).toBeUndefined()
    expect(c.resolveUri(all, 'file:///srv/shared/x')).toBeUndefined()
    expect(c.resolveUri(endpointOf('b'), 'file:///srv/shared/x')?.server).toBe('b')
  })

  it('gives a tool named like an Object property its group\'s scopes, not the property', () => {
    const c = catalogue()
    c.replace('c', 'tool', [{ name: 'x' }, { name: 'constructor' }, { name: 'toString' }, { name: '__proto__' }])
    expect(c.entries(endpointOf('c'), 'tool').map((t) => [t.name, t.scopes])).toEqual([
      ['x', ['c:x']],
      ['constructor', ['c:use']],
      ['toString', ['c:use']],
      ['__proto__', ['c:use']],
    ])
  })

  it('says whether a new list changed the offer', () => {
    const c = catalogue()
    expect(c.replace('a', 'tool', [{ name: 'read_note' }, { name: 'list' }, { name: 'write_note' }, { name: 'read_file' }, { name: 'delete_all' }])).toBe(false)
    expect(c.replace('a', 'tool', [{ name: 'read_note', description: 'changed' }])).toBe(true)
  })
})

describe('climbs', () => {
  it('flags URIs an upstream could resolve outside the pattern that admitted them', async () => {
    const { climbs } = await import('../../../src/proxy/catalogue.js')
    for (const uri of ['file:///srv/a/../../etc/passwd', 'file:///srv/a/..', 'file:///srv/a/%2e%2e/x', 'file:///srv/a/%2F..', 'file:///srv/a\\..\\b', 'file:///srv/a/./b', 'x://a/b\u0000']) expect(climbs(uri), uri).toBe(true)
    for (const uri of ['file:///srv/a/b.txt', 'file:///srv/a/.hidden', 'test://template/1/data', 'x://a/..b']) expect(climbs(uri), uri).toBe(false)
  })

  it('keeps a climbing URI out of a pattern but serves it when the upstream listed it as such', () => {
    const c = catalogue()
    expect(c.resolveUri(endpointOf('a'), 'file:///srv/../etc/passwd')).toBeUndefined()
    c.replace('a', 'resource', [{ uri: 'file:///srv/odd/../name' }])
    expect(c.resolveUri(endpointOf('a'), 'file:///srv/odd/../name')?.group).toBe('read')
  })
})
