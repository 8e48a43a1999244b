// Upstream stdio children are supervised: one that dies mid-call fails that call with an error
// (nothing hangs), is restarted with backoff, and serves the next calls from a new process; on
// shutdown it is killed. An HTTP upstream that does not answer within the server's request
// timeout fails the call as timed out and is told to stop. And a group's verifier requirements hide and refuse its tools for a
// caller whose mandate cannot meet them.
import { resolve } from 'node:path'
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startProxyWorld, ZONE, type ProxyWorld } from '../helpers/proxy-world.js'

const CRASHING = resolve(import.meta.dirname, '../helpers/crashing-server.mjs')
let world: ProxyWorld

beforeAll(async () => {
  world = await startProxyWorld({
    mcpServers: { fragile: { command: process.execPath, args: [CRASHING] }, up: { type: 'http', url: '${TEST_UPSTREAM_URL}' } },
    protection: {
      up: { groups: { basic: { tools: ['slow'], scopes: ['up:use'] } }, timeouts: { requestMs: 300 } },
      fragile: {
        groups: {
          ops: { tools: ['pid', 'crash'], scopes: ['f:use'] },
          delegated: { tools: ['delegated_*'], scopes: ['f:use'], requireDelegation: true, resource: 'resource://fragile/ops-delegated' },
        },
      },
    },
    zoneData: {
      app_ids: { 'app-a': 'app-a' },
      grants: {
        'resource://fragile/ops': { application: 'app-a', roles: { 'app-a': ['f:use'] } },
        'resource://fragile/ops-delegated': { application: 'app-a', roles: { 'app-a': ['f:use'] } },
        'resource://up/basic': { application: 'app-a', roles: { 'app-a': ['up:use'] } },
      },
    },
  })
}, 30_000)
afterAll(async () => {
  await world?.close()
})

const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text

it('restarts a stdio upstream that died, and the next calls reach the new process', async () => {
  const client = await world.connect((await world.agentMandate()).token)
  const before = Number(text(await client.callTool({ name: 'fragile__pid', arguments: {} })))
  const crashed = await client.callTool({ name: 'fragile__crash', arguments: {} }).then(() => undefined, (e: unknown) => e)
  expect(crashed).toBeInstanceOf(McpError)
  let after = before
  await expect
    .poll(
      async () => {
        after = Number(text(await client.callTool({ name: 'fragile__pid', arguments: {} }).catch(() => ({ content: [{ type: 'text', text: String(before) }] }))))
        return after
      },
      { timeout: 10_000, interval: 200 },
    )
    .not.toBe(before)
  expect(() => process.kill(before, 0)).toThrow()
  expect(world.warnings.some((w) => w.includes('upstream fragile: connection lost; restarting'))).toBe(true)
  await world.runtime.audit.flushed()
  const crash = [...world.runtime.store.auditEvents.iterateZone(ZONE)].map((r) => JSON.parse(r.metadataJson) as Record<string, unknown>).find((m) => m.tool === 'crash')
  expect(crash).toMatchObject({ upstream_status: 'error' })
})

it('fails a call an HTTP upstream does not answer in time, tells the upstream, and audits the timeout', async () => {
  const { sessionId, token } = await world.agentMandate()
  const client = await world.connect(token)
  const before = world.upstream.cancelled
  // Progress keeps a call alive; this one asks for none.
  const error = await client.callTool({ name: 'up__slow', arguments: { ms: 3000 } }).then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(McpError)
  expect((error as McpError).code).toBe(ErrorCode.RequestTimeout)
  await expect.poll(() => world.upstream.cancelled, { timeout: 5000 }).toBe(before + 1)
  await world.runtime.audit.flushed()
  const row = [...world.runtime.store.auditEvents.iterateZone(ZONE)].find((r) => r.eventType === 'tool_call' && (JSON.parse(r.metadataJson) as Record<string, unknown>).agent_session_id === sessionId)
  expect(row).toMatchObject({ decision: 'allow' })
  expect(JSON.parse(row!.metadataJson)).toMatchObject({ tool: 'slow', upstream_status: 'timeout' })
})

it('hides and refuses the tools of a group whose requirements the caller\'s mandate cannot meet', async () => {
  // The group `delegated` requires a delegated mandate; app-a's own session has none, although
  // policy would grant the group's resource.
  const { sessionId, token } = await world.agentMandate()
  const client = await world.connect(token)
  expect((await client.listTools()).tools.map((t) => t.name).filter((name) => name.startsWith('fragile__')).sort()).toEqual(['fragile__crash', 'fragile__pid'])
  const refused = await client.callTool({ name: 'fragile__delegated_op', arguments: {} }).then(() => undefined, (e: unknown) => e)
  expect((refused as McpError).message).toContain('Tool fragile__delegated_op not found')
  await world.runtime.audit.flushed()
  const row = [...world.runtime.store.auditEvents.iterateZone(ZONE)].find((r) => r.eventType === 'tool_call' && (JSON.parse(r.metadataJson) as Record<string, unknown>).agent_session_id === sessionId)
  expect(row).toMatchObject({ decision: 'deny', evaluationStatus: 'delegation_required' })
})
