// A published MCP server as the upstream, unchanged: @modelcontextprotocol/server-everything
// (pinned), once as a stdio child and once over the legacy SSE transport (bound to loopback by a
// preload), both behind the proxy: its tools listed as <server>__<tool> and called, a tool in no
// group hidden and refused.
import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startProxyWorld, type ProxyWorld } from '../helpers/proxy-world.js'

const EVERYTHING = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js')
const LOOPBACK = resolve(import.meta.dirname, '../helpers/listen-loopback.cjs')

let world: ProxyWorld
let sse: ChildProcess

async function startSseEverything(): Promise<string> {
  sse = spawn(process.execPath, ['-r', LOOPBACK, EVERYTHING, 'sse'], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'ignore', 'pipe'] })
  return new Promise((resolvePort, reject) => {
    let seen = ''
    sse.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      seen += chunk
      const match = /loopback-listening (\d+)/.exec(seen)
      if (match) resolvePort(`http://127.0.0.1:${match[1]}/sse`)
    })
    sse.once('exit', (code) => reject(new Error(`server-everything (sse) exited with ${code}: ${seen}`)))
  })
}

beforeAll(async () => {
  const sseUrl = await startSseEverything()
  const group = { groups: { basic: { tools: ['echo', 'get-sum'], scopes: ['ev:use'] } } }
  world = await startProxyWorld({
    mcpServers: { ev_stdio: { command: process.execPath, args: [EVERYTHING, 'stdio'] }, ev_sse: { type: 'sse', url: sseUrl } },
    protection: { ev_stdio: group, ev_sse: group },
    zoneData: {
      app_ids: { 'app-a': 'app-a' },
      grants: {
        'resource://ev_stdio/basic': { application: 'app-a', roles: { 'app-a': ['ev:use'] } },
        'resource://ev_sse/basic': { application: 'app-a', roles: { 'app-a': ['ev:use'] } },
      },
    },
  })
}, 60_000)
afterAll(async () => {
  await world?.close()
  sse?.kill()
})

it('lists and calls the published server\'s tools through stdio and legacy SSE, and nothing outside the group', async () => {
  const client = await world.connect((await world.agentMandate()).token)
  // A list that failed while a connection was settling is tried again: wait for both servers' tools.
  await expect.poll(async () => (await client.listTools()).tools.map((t) => t.name).sort(), { timeout: 5000 }).toEqual(['ev_sse__echo', 'ev_sse__get-sum', 'ev_stdio__echo', 'ev_stdio__get-sum'])
  for (const server of ['ev_stdio', 'ev_sse']) {
    const echoed = (await client.callTool({ name: `${server}__echo`, arguments: { message: 'through the proxy' } })) as CallToolResult
    expect(echoed.content[0]).toEqual({ type: 'text', text: 'Echo: through the proxy' })
    const sum = (await client.callTool({ name: `${server}__get-sum`, arguments: { a: 2, b: 3 } })) as CallToolResult
    expect(JSON.stringify(sum.content)).toContain('5')
    const refused = await client.callTool({ name: `${server}__get-env`, arguments: {} }).then(() => undefined, (e: unknown) => e)
    expect(refused).toBeInstanceOf(McpError)
    expect((refused as McpError).message).toContain(`Tool ${server}__get-env not found`)
  }
})
