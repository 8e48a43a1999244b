// Delegation across MCP hops, run the way the README runs the example: the repository's
// fixtures/hops/mcp.config.json (client → planner agent → researcher agent → files server, all
// stdio children of the proxy, the agents calling back in through /mcp with the mandates the
// proxy hands them), loaded and listened on as `caracal-mcp start` does, on an ephemeral port.
// Every hop is a real SDK client and server; the agents report what they received and what
// their own call got back, so one result shows the whole chain.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { McpError } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashSecret } from '../../src/application/index.js'
import { auditEventJson } from '../../src/admin/index.js'
import { loadConfig } from '../../src/config/index.js'
import { listen, openRuntime, type RunningServer, type Runtime } from '../../src/runtime.js'
import { packageRoot } from '../../src/util/package-root.js'
import { text } from '../helpers/tool-results.js'

const run = promisify(execFile)
const ZONE = 'hops'
const CLIENT_APP = 'hops-client'
const CLIENT_SECRET = 'cmcs_test-only-secret-hops-client'
const dir = mkdtempSync(join(tmpdir(), 'caracal-hops-'))
let runtime: Runtime
let running: RunningServer
const clients: Client[] = []

beforeAll(async () => {
  const env = { ...process.env, CARACAL_MCP_DATABASE: join(dir, 'hops.sqlite'), CARACAL_MCP_HOST: '127.0.0.1', CARACAL_MCP_PORT: '0', CARACAL_MCP_ISSUER: '' }
  const warn = () => {}
  const loaded = await loadConfig(join(packageRoot(), 'fixtures', 'hops', 'mcp.config.json'), env)
  runtime = await openRuntime(loaded, env, warn)
  const now = Date.now()
  runtime.store.applications.create({ id: CLIENT_APP, zoneId: ZONE, name: 'hops client', registrationMethod: 'managed', secretHash: await hashSecret(CLIENT_SECRET), status: 'active', createdAt: now, updatedAt: now })
  running = await listen(runtime, env, warn)
}, 30_000)

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {})
  await running?.close()
  await runtime?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The user's client: a task session of hops-client and an agent mandate for it from the token endpoint. */
async function clientMandate(): Promise<{ token: string; sessionId: string }> {
  const session = await runtime.sessions.start({ zoneId: ZONE, applicationId: CLIENT_APP, lifecycle: 'task', ttlSeconds: 3600, requestId: 'test', startedBy: 'test' })
  const response = await fetch(`${running.url}/oauth/2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: ZONE, application_id: CLIENT_APP, client_secret: CLIENT_SECRET, agent_session_id: session.id }).toString(),
  })
  const body = (await response.json()) as { access_token?: string }
  if (!body.access_token) throw new Error(`no agent mandate: ${JSON.stringify(body)}`)
  return { token: body.access_token, sessionId: session.id }
}

async function connect(token: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'hops-test', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}`, ...headers } } }))
  clients.push(client)
  return client
}

interface Report {
  agent: string
  mandate: Record<string, unknown> | null
  received: { metaKeys: string[]; traceparent?: string; requestId?: string }
  downstream: Record<string, unknown> & { error?: { code: number | string; message: string } }
}

async function plan(client: Client, args: Record<string, unknown>): Promise<Report> {
  const result = await client.callTool({ name: 'planner__plan', arguments: { topic: 'hops', ...args } }, undefined, { timeout: 60_000 })
  expect(result.isError, text(result)).toBeFalsy()
  return JSON.parse(text(result)) as Report
}

function rowsOf(requestId: string) {
  return runtime.store.auditEvents.byRequestId(requestId).map(auditEventJson) as unknown as { event_type: string; decision: string; evaluation_status: string; metadata: Record<string, unknown> }[]
}

describe('delegation across MCP hops', () => {
  it('runs client → planner → researcher → files, each hop under its own narrowed mandate with the right path, chain and hop count', async () => {
    const { token, sessionId } = await clientMandate()
    const client = await connect(token, { 'x-request-id': 'hops-chain-1', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })
    const planner = await plan(client, {})
    const researcher = planner.downstream as unknown as Report

    // Hop 1: the planner's own mandate, for a session of the planner application delegated from the client's.
    const p = planner.mandate!
    expect(p).toMatchObject({ client_id: 'planner', use: 'session', hop_count: 1, source_session_id: sessionId })
    expect(p.delegation_path).toEqual([p.delegation_edge_id])
    expect(p.delegation_chain).toEqual([
      { application_id: CLIENT_APP, agent_session_id: sessionId, delegation_edge_id: p.delegation_edge_id },
      { application_id: 'planner', agent_session_id: p.agent_session_id },
    ])
    // Hop 2: the researcher's, one edge further down the same path.
    const r = researcher.mandate!
    expect(r).toMatchObject({ client_id: 'researcher', use: 'session', hop_count: 2, source_session_id: p.agent_session_id })
    expect(r.delegation_path).toEqual([p.delegation_edge_id, r.delegation_edge_id])
    expect((r.delegation_chain as unknown[]).map((h) => (h as { application_id: string }).application_id)).toEqual([CLIENT_APP, 'planner', 'researcher'])
    // Hop 3: the files server answered the researcher.
    expect(researcher.downstream).toEqual({ text: expect.stringContaining('# Demo files') })

    // Each edge is narrowed: to what its caller holds of the configured scopes, with fewer hops.
    const e1 = runtime.store.delegationEdges.get(p.delegation_edge_id as string)!
    const e2 = runtime.store.delegationEdges.get(r.delegation_edge_id as string)!
    // files:write is delegated to the planner by the config but the client does not hold it.
    expect(e1.scopes).toEqual(['files:list', 'files:read', 'research:ask', 'summarize:ask'])
    expect(e1.constraints.max_hops).toBe(2)
    expect(e2.scopes).toEqual(['files:list', 'files:read', 'summarize:ask'])
    expect(e2.constraints.max_hops).toBe(1)
    expect(e2.expiresAt).toBeLessThanOrEqual(e1.expiresAt)

    // An agent sees its own mandate and the correlation, never another token; the request id
    // and trace flow across hops, each hop with a span of its own.
    for (const report of [planner, researcher]) {
      expect(report.received.metaKeys).toEqual(['run.caracal/agent-mandate', 'run.caracal/request-id', 'traceparent'])
      expect(report.received.requestId).toBe('hops-chain-1')
      expect(report.received.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/)
    }
    expect(planner.received.traceparent).not.toBe(researcher.received.traceparent)
    expect(JSON.stringify(planner)).not.toContain(token)

    // One row per call of the request at every hop, linked by the delegation each call was given.
    const calls = rowsOf('hops-chain-1').filter((row) => row.event_type === 'tool_call')
    expect(calls.map((c) => [c.metadata.server, c.metadata.tool, c.decision, c.metadata.delegation_hop_count ?? 0])).toEqual([
      ['files', 'read_file', 'allow', 2],
      ['researcher', 'research', 'allow', 1],
      ['planner', 'plan', 'allow', 0],
    ])
    const [files, research, planned] = calls
    expect((planned!.metadata.hop as Record<string, unknown>).delegation_edge_id).toBe(research!.metadata.delegation_edge_id)
    expect((research!.metadata.hop as Record<string, unknown>).delegation_edge_id).toBe(files!.metadata.delegation_edge_id)
    expect(planned!.metadata.parent_span_id).toBe('00f067aa0ba902b7')
    expect(research!.metadata.parent_span_id).toBe(planned!.metadata.span_id)
    expect(files!.metadata.parent_span_id).toBe(research!.metadata.span_id)

    // `caracal-mcp audit explain` draws the same tree, hop under hop.
    const explained = (await auditExplain('hops-chain-1')).split('\n')
    expect(explained[0]).toBe('request hops-chain-1: 3 calls over 3 hops, 0 denied')
    expect(explained).not.toContain('not attributed to a call:')
    const callLines = explained.filter((line) => /^\s*- hop/.test(line))
    expect(callLines.map((line) => line.match(/^(\s*)- hop (\d) (\S+) .* (\S+__\S+) /)!.slice(1))).toEqual([
      ['', '0', CLIENT_APP, 'planner__plan'],
      ['  ', '1', 'planner', 'researcher__research'],
      ['    ', '2', 'researcher', 'files__read_file'],
    ])

    // The next call from the same client session reuses the planner's session and edge.
    const again = await plan(client, {})
    expect(again.mandate!.delegation_edge_id).toBe(p.delegation_edge_id)
  })

  it('denies a hop beyond max_hops, a scope the caller does not hold, and a chain without the required application', async () => {
    const { token } = await clientMandate()
    const client = await connect(token, { 'x-request-id': 'hops-denials-1' })
    const unknownTool = (name: string) => new RegExp(`Tool ${name} not found`)

    // Researcher (hop 2, edge max_hops 1) → summarizer would be a fourth hop.
    const fourth = await plan(client, { tool: 'researcher__research', arguments: { topic: 'deep', tool: 'summarizer__research', arguments: { topic: 'deeper' } } })
    const researcher = fourth.downstream as unknown as Report
    expect(researcher.downstream.error?.message).toMatch(unknownTool('summarizer__research'))
    // The planner may write files (its own grant) but its caller may not: the edge never carried it.
    const write = await plan(client, { tool: 'files__write_file', arguments: { path: '/srv/demo/x.md', content: 'x' } })
    expect(write.downstream.error?.message).toMatch(unknownTool('files__write_file'))
    // The summarizer requires the researcher in the chain; the planner calling it directly has none.
    const direct = await plan(client, { tool: 'summarizer__research', arguments: { topic: 'skip' } })
    expect(direct.downstream.error?.message).toMatch(unknownTool('summarizer__research'))
    // The researcher requires a delegation: the client itself cannot call it.
    await expect(client.callTool({ name: 'researcher__research', arguments: { topic: 'x' } })).rejects.toThrow(unknownTool('researcher__research'))

    const denials = rowsOf('hops-denials-1').filter((row) => row.event_type === 'tool_call' && row.decision === 'deny')
    expect(denials.map((d) => [`${d.metadata.server}__${d.metadata.tool}`, d.metadata.delegation_hop_count ?? 0, d.evaluation_status])).toEqual([
      ['summarizer__research', 2, 'hop_limit_reached'],
      ['files__write_file', 1, 'delegation_invalid: scope files:write is outside the delegation'],
      ['summarizer__research', 1, 'chain_mismatch'],
      ['researcher__research', 0, 'delegation_required'],
    ])
  })

  it('cancels the calls in flight under a revoked root at every hop, denies what follows, and audits why', async () => {
    const { token, sessionId } = await clientMandate()
    const client = await connect(token, { 'x-request-id': 'hops-revoke-1' })
    const started = Date.now()
    const call = client.callTool({ name: 'planner__plan', arguments: { topic: 'slow', slowMs: 30_000 } }, undefined, { timeout: 60_000 }).then(
      () => undefined,
      (error: unknown) => error,
    )
    // The researcher has read its file and is working: hop 2 is mid-call.
    await until(() => rowsOf('hops-revoke-1').some((row) => row.event_type === 'tool_call' && row.metadata.server === 'files'))
    await runtime.sessions.terminate(ZONE, sessionId, 'the user withdrew the task', 'test-revoke')
    const error = await call
    expect(error).toBeInstanceOf(McpError)
    expect((error as McpError).code).toBe(-32003)
    expect(Date.now() - started).toBeLessThan(20_000)

    // Both calls in flight, the client's to the planner and the planner's to the researcher, were cut.
    await until(() => rowsOf('hops-revoke-1').filter((row) => row.metadata.upstream_status === 'revoked').length === 2)
    const revoked = rowsOf('hops-revoke-1').filter((row) => row.metadata.upstream_status === 'revoked')
    expect(revoked.map((row) => row.metadata.server).sort()).toEqual(['planner', 'researcher'])
    for (const row of revoked) expect(runtime.store.revocations.get(row.metadata.revoked_anchor as string, Date.now())).toBeDefined()
    // And the client's mandate no longer opens anything.
    await expect(connect(token)).rejects.toThrow(/Invalid or expired token/)

    // The operator's account of the request names the revocation that cut each call.
    const explained = await auditExplain('hops-revoke-1')
    expect(explained).toMatch(/^request hops-revoke-1: /)
    expect(explained).toMatch(/planner__plan .*revoked anchor .*the user withdrew the task/)
    expect(explained).toMatch(/researcher__research .*revoked anchor .*the user withdrew the task/)
    expect(explained).toMatch(/token_exchange agent mandate for researcher session/)
  }, 60_000)
})

/** `caracal-mcp audit explain <id>` as an operator runs it, on this test's database. */
async function auditExplain(requestId: string): Promise<string> {
  const { stdout } = await run(process.execPath, [join(packageRoot(), 'dist', 'src', 'cli', 'main.js'), 'audit', 'explain', requestId, '--config', join(packageRoot(), 'fixtures', 'hops', 'mcp.config.json')], {
    env: { ...process.env, CARACAL_MCP_DATABASE: join(dir, 'hops.sqlite') },
  })
  return stdout.trim()
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
