// An upstream on the legacy HTTP+SSE transport in `mandate` mode: every POST carries the resource
// mandate of the call it belongs to, however calls under different mandates interleave, a
// cancellation carries its call's, the client's token never arrives, and none of it turns on
// promise hooks for the process (what an AsyncLocalStorage did on Node 20). An event stream that
// ends takes the upstream session with it: the next call goes through a new, initialized one.
import { executionAsyncResource } from 'node:async_hooks'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startLegacySseUpstream, type LegacySseUpstream } from '../helpers/legacy-sse-upstream.js'
import { startProxyWorld, type ProxyWorld } from '../helpers/proxy-world.js'
import { text } from '../helpers/tool-results.js'

let legacy: LegacySseUpstream
let world: ProxyWorld

beforeAll(async () => {
  legacy = await startLegacySseUpstream()
  world = await startProxyWorld({
    mcpServers: { legacy: { type: 'sse', url: legacy.url } },
    protection: { legacy: { groups: { basic: { tools: ['whoami', 'slow'], scopes: ['legacy:use'] } }, upstreamAuth: { mode: 'mandate' } } },
    zoneData: { app_ids: { 'app-a': 'app-a' }, grants: { 'resource://legacy/basic': { application: 'app-a', roles: { 'app-a': ['legacy:use'] } } } },
  })
})

afterAll(async () => {
  await world?.close()
  await legacy?.close()
})

function claimsOf(bearer: string): Record<string, unknown> {
  expect(bearer).toMatch(/^Bearer ey/)
  return JSON.parse(Buffer.from(bearer.slice(7).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
}

/** Whether promise reactions run with async hooks tracking them (they do once any AsyncLocalStorage has been run, on Node 20). */
async function promiseHooksOn(): Promise<boolean> {
  return Promise.resolve().then(() => executionAsyncResource() instanceof Promise)
}

it('sends each call its own resource mandate while calls of two sessions interleave, and never a client token', async () => {
  const hooksBefore = await promiseHooksOn()
  const agents = [await world.agentMandate(), await world.agentMandate()]
  const clients = await Promise.all(agents.map((a) => world.connect(a.token, '/mcp/legacy')))
  const from = legacy.posts.length
  const answers = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => ({ agent: agents[i % 2]!, seen: text(await clients[i % 2]!.callTool({ name: 'whoami', arguments: {} })) })),
  )
  for (const { agent, seen } of answers) {
    expect(claimsOf(seen)).toMatchObject({ use: 'resource', aud: ['resource://legacy/basic'], scope: 'legacy:use', client_id: 'app-a', agent_session_id: agent.sessionId })
  }
  const posts = legacy.posts.slice(from)
  expect(posts.filter((p) => p.method === 'tools/call').map((p) => p.headers.authorization)).toHaveLength(12)
  const everything = JSON.stringify(legacy.posts)
  for (const { token } of agents) {
    expect(everything).not.toContain(token)
    expect(everything).not.toContain(token.split('.')[2])
  }
  // Off before (nothing in this test process had turned them on) and still off after.
  expect(hooksBefore).toBe(false)
  expect(await promiseHooksOn()).toBe(false)
})

it('passes a cancellation upstream with the mandate of the call it cancels', async () => {
  const client = await world.connect((await world.agentMandate()).token, '/mcp/legacy')
  const other = await world.connect((await world.agentMandate()).token, '/mcp/legacy')
  const before = legacy.cancelled
  const from = legacy.posts.length
  const controller = new AbortController()
  const call = client.callTool({ name: 'slow', arguments: { ms: 3000 } }, undefined, { signal: controller.signal })
  await expect.poll(() => legacy.posts.slice(from).some((p) => p.method === 'tools/call'), { timeout: 5000 }).toBe(true)
  // Another session's call is under way when the abort comes: the cancellation must not take its mandate.
  const busy = other.callTool({ name: 'slow', arguments: { ms: 600 } })
  setTimeout(() => controller.abort('changed my mind'), 100)
  await expect(call).rejects.toThrow()
  await expect.poll(() => legacy.cancelled, { timeout: 5000 }).toBe(before + 1)
  await busy
  const posts = legacy.posts.slice(from)
  const sent = posts.find((p) => p.method === 'tools/call')
  const cancellation = posts.find((p) => p.method === 'notifications/cancelled')
  expect(sent?.headers.authorization).toMatch(/^Bearer ey/)
  expect(cancellation?.headers.authorization).toBe(sent?.headers.authorization)
})

it('opens a new upstream session when the event stream ends, and the next call goes through it', async () => {
  const client = await world.connect((await world.agentMandate()).token, '/mcp/legacy')
  expect(text(await client.callTool({ name: 'whoami', arguments: {} }))).toMatch(/^Bearer ey/)
  const initializedBefore = legacy.posts.filter((p) => p.method === 'initialize').length
  await legacy.dropStreams()
  await expect.poll(async () => text(await client.callTool({ name: 'whoami', arguments: {} })).startsWith('Bearer ey'), { timeout: 10_000 }).toBe(true)
  // The new session was initialized before it was used.
  expect(legacy.posts.filter((p) => p.method === 'initialize').length).toBeGreaterThan(initializedBefore)
})
