// The upstream section (`mcpServers`, as MCP clients write it) and its protection: what a
// careless or hostile config must not get past, each refusal naming its JSON path; `${VAR}`
// expansion at start; and one registered resource per tool group.
import { describe, expect, it } from 'vitest'
import { configSchema, expandUpstream, groupResource, groupScopes, toolMatches } from '../../../src/config/index.js'

const zones = { demo: { data: 'd.json' } }
const files = { command: 'node', args: ['files-server.js'] }
const groups = { read: { tools: ['read_*', 'list_dir'], scopes: ['files:read'] }, write: { tools: ['write_file'], scopes: ['files:write'], toolScopes: { write_file: ['files:write', 'files:audit'] } } }

function issues(config: Record<string, unknown>): string[] {
  const result = configSchema.safeParse({ policy: { zones }, ...config })
  expect(result.success).toBe(false)
  return result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

describe('mcpServers', () => {
  it('takes the shapes MCP clients write: stdio, http and sse, the type inferred', () => {
    const result = configSchema.safeParse({
      policy: { zones },
      mcpServers: { files, remote: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } }, legacy: { type: 'sse', url: 'http://127.0.0.1:9/sse' } },
    })
    expect(result.success).toBe(true)
  })

  it('refuses a server that is neither, mixes both, or has a name that cannot prefix tools', () => {
    expect(issues({ mcpServers: { broken: {} } })).toContain('mcpServers.broken.url: an http server needs a url')
    expect(issues({ mcpServers: { mixed: { command: 'x', url: 'http://a' } } })).toContain('mcpServers.mixed.url: a stdio server has no url or headers')
    expect(issues({ mcpServers: { 'a__b': files } })[0]).toMatch(/^mcpServers.a__b: a server name/)
    // `a_` would list its tool x as a___x, which reads back as server a, tool _x.
    expect(issues({ mcpServers: { 'a_': files } })[0]).toMatch(/^mcpServers.a_: a server name .* not ending in "_"/)
    expect(configSchema.safeParse({ policy: { zones }, mcpServers: { a_b: files, 'a-': files } }).success).toBe(true)
    expect(issues({ mcpServers: { files: { ...files, colour: 'red' } } })[0]).toMatch(/^mcpServers.files: Unrecognized key/)
  })
})

describe('protection', () => {
  it('registers each group as a resource with the scopes its tools need', () => {
    const result = configSchema.safeParse({ policy: { zones }, mcpServers: { files }, protection: { files: { groups } } })
    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true)
    const write = result.data!.protection.files!.groups.write!
    expect(groupResource('files', 'write', write)).toBe('resource://files/write')
    expect(groupScopes(write)).toEqual(['files:audit', 'files:write'])
    expect(result.data!.protection.files).toMatchObject({ upstreamAuth: { mode: 'none' }, timeouts: { requestMs: 60_000 }, groups: { read: { requireSession: true, requireDelegation: false } } })
  })

  it('refuses protection of a server that does not exist, in a zone that does not', () => {
    expect(issues({ protection: { ghost: { groups } } })).toContain('protection.ghost: there is no server ghost in mcpServers')
    expect(issues({ mcpServers: { files }, protection: { files: { zone: 'elsewhere', groups } } })).toContain('protection.files.zone: zone elsewhere is not one of policy.zones')
    const twoZones = configSchema.safeParse({ policy: { zones: { a: { data: 'd' }, b: { data: 'd' } } }, mcpServers: { files }, protection: { files: { groups } } })
    expect(twoZones.error!.issues.map((i) => i.path.join('.'))).toContain('protection.files.zone')
  })

  it('puts a tool in one group only, and a tool\'s own scopes only on a tool of its group', () => {
    expect(issues({ mcpServers: { files }, protection: { files: { groups: { a: { tools: ['x'], scopes: ['s'] }, b: { tools: ['x'], scopes: ['t'] } } } } })).toContain('protection.files.groups.b.tools: tool x is in groups a and b')
    expect(issues({ mcpServers: { files }, protection: { files: { groups: { a: { tools: ['read_*'], scopes: ['s'], toolScopes: { write_file: ['w'] } } } } } })).toContain(
      "protection.files.groups.a.toolScopes.write_file: tool write_file is not one of the group's tools",
    )
  })

  it('declares a resource once per zone', () => {
    const clash = { mcpServers: { files, other: files }, protection: { files: { groups: { g: { tools: ['a'], scopes: ['s'], resource: 'resource://shared' } } }, other: { groups: { h: { tools: ['b'], scopes: ['s'], resource: 'resource://shared' } } } } }
    expect(issues(clash)).toContain('protection.other.groups.h.resource: resource resource://shared is declared already (protection.files.groups.g)')
    const policyClash = configSchema.safeParse({ policy: { zones: { demo: { data: 'd', resources: { 'resource://files/read': { scopes: ['x'] } } } } }, mcpServers: { files }, protection: { files: { groups } } })
    expect(policyClash.error!.issues.map((i) => i.message)).toContain('resource resource://files/read is declared already (policy.zones.demo.resources)')
  })

  it('takes an upstream credential only from the environment, by name', () => {
    const ok = configSchema.safeParse({ policy: { zones }, mcpServers: { files }, protection: { files: { groups, upstreamAuth: { mode: 'header', header: 'X-Api-Key', fromEnv: 'FILES_KEY' } } } })
    expect(ok.success).toBe(true)
    expect(issues({ mcpServers: { files }, protection: { files: { groups, upstreamAuth: { mode: 'header', header: 'X-Api-Key', value: 'literal-secret' } } } }).join()).toMatch(/upstreamAuth/)
  })
})

describe('tool patterns', () => {
  it('match whole names, * any run, and nothing else as a pattern', () => {
    expect(toolMatches('read_*', 'read_file')).toBe(true)
    expect(toolMatches('read_*', 'unread_file')).toBe(false)
    expect(toolMatches('fs.read', 'fsXread')).toBe(false)
    expect(toolMatches('*', 'anything')).toBe(true)
  })
})

describe('${VAR} expansion at start', () => {
  it('resolves ${VAR}, ${VAR:-default} and ${env:VAR}, and names an unset variable\'s place', () => {
    const server = { command: '${NODE:-node}', args: ['--port', '${env:PORT}'], env: { TOKEN: '${TOKEN}' }, url: undefined }
    expect(expandUpstream('files', server, { PORT: '9000', TOKEN: 't' })).toMatchObject({ command: 'node', args: ['--port', '9000'], env: { TOKEN: 't' } })
    expect(() => expandUpstream('files', server, { PORT: '9000' })).toThrow('mcpServers.files.env.TOKEN uses ${TOKEN}, which is not set')
  })
})

describe('at start', () => {
  it('registers one resource per tool group in its zone, with the scopes its tools need', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { loadConfig } = await import('../../../src/config/index.js')
    const { openRuntime } = await import('../../../src/runtime.js')
    const dir = mkdtempSync(join(tmpdir(), 'caracal-upstreams-'))
    try {
      writeFileSync(join(dir, 'd.json'), '{}')
      writeFileSync(join(dir, 'mcp.config.json'), JSON.stringify({ policy: { zones }, store: { path: 'state.sqlite' }, mcpServers: { files }, protection: { files: { groups } } }))
      const env = { CARACAL_MCP_SEALING_KEY: 'cd'.repeat(32), CARACAL_MCP_AUDIT_HMAC_KEY: 'ab'.repeat(32), CARACAL_MCP_ADMIN_TOKEN: 'test-only-admin-token-0123456789abcdef' }
      const runtime = await openRuntime(await loadConfig(join(dir, 'mcp.config.json'), env), env, () => {})
      try {
        expect(runtime.store.resources.list('demo').map((r) => [r.identifier, r.scopes])).toEqual([
          ['resource://files/read', ['files:read']],
          ['resource://files/write', ['files:audit', 'files:write']],
        ])
      } finally {
        await runtime.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
