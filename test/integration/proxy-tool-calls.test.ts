// Tool calls through the proxy, with the product started as `caracal-mcp start` starts it and real
// SDK clients and servers on loopback (HTTP→HTTP to the recording test upstream, HTTP→stdio to
// the example files server): filtered and renamed tools/list, allowed calls with the resource
// mandate (never the client's token) upstream, every denial answered exactly like an unknown
// tool with its reason in audit, approval holds and the retry after approval, progress with the
// client's own token, cancellation passed upstream, a revocation cancelling a call in flight,
// list_changed re-filtered per session, and the mandate cache sparing exchanges.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ElicitationCompleteNotificationSchema, ElicitRequestSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { verifyZoneChain } from '../../src/audit/index.js'
import { callError, text } from '../helpers/tool-results.js'
import { SECRETS, auditRows as auditRowsOf, protection, startProxyWorld, ZONE, type ProxyWorld } from '../helpers/proxy-world.js'

let world: ProxyWorld

beforeAll(async () => {
  world = await startProxyWorld({ protection: protection(['extra_*']) })
}, 30_000)
afterAll(async () => {
  await world?.close()
})

const auditRows = (eventType: string) => auditRowsOf(world, eventType)

describe('tools/list', () => {
  it('lists, as <server>__<tool>, the tools of the groups this principal could be granted, and hides the rest', async () => {
    const client = await world.connect((await world.agentMandate()).token)
    const names = (await client.listTools()).tools.map((t) => t.name).sort()
    // write_file waits for an approval but can be granted: it is shown; admin_reset needs a role app-a's session lacks.
    expect(names).toEqual(['files__list_files', 'files__read_file', 'files__write_file', 'up__echo', 'up__slow', 'up__whoami'])
  })

  it('shows original names on a server\'s own endpoint and keeps the upstream\'s definition', async () => {
    const client = await world.connect((await world.agentMandate()).token, '/mcp/files')
    const tools = (await client.listTools()).tools
    expect(tools.map((t) => t.name).sort()).toEqual(['list_files', 'read_file', 'write_file'])
    expect(tools.find((t) => t.name === 'read_file')).toMatchObject({ description: 'Read one file.', annotations: { readOnlyHint: true }, inputSchema: { required: ['path'] } })
  })

  it('shows a session the tools its labels grant', async () => {
    const client = await world.connect((await world.agentMandate('app-a', { labels: ['app-a', 'admin'] })).token, '/mcp/up')
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('admin_reset')
  })

  it('shows an application without grants nothing', async () => {
    const client = await world.connect((await world.agentMandate('app-b')).token)
    expect((await client.listTools()).tools).toEqual([])
  })
})

describe('tools/call', () => {
  it('forwards an allowed call and returns the upstream\'s result unchanged (HTTP and stdio upstreams)', async () => {
    const client = await world.connect((await world.agentMandate()).token)
    expect(text(await client.callTool({ name: 'up__echo', arguments: { text: 'say: hello' } }))).toBe('say: hello')
    expect(text(await client.callTool({ name: 'files__read_file', arguments: { path: '/srv/demo/README.md' } }))).toContain('# Demo files')
    expect(text(await client.callTool({ name: 'files__list_files', arguments: {} }))).toContain('/srv/demo/notes/plan.md')
  })

  it('sends the upstream the resource mandate of the tool\'s group, and never the client\'s token', async () => {
    const { token } = await world.agentMandate()
    const client = await world.connect(token)
    const seen = text(await client.callTool({ name: 'up__whoami', arguments: {} }))
    expect(seen).toMatch(/^Bearer ey/)
    const claims = JSON.parse(Buffer.from(seen.slice(7).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
    expect(claims).toMatchObject({ use: 'resource', aud: ['resource://up/basic'], target: ['resource://up/basic'], scope: 'up:use', client_id: 'app-a' })
    const everything = JSON.stringify(world.upstream.headers)
    expect(everything).not.toContain(token)
    expect(everything).not.toContain(token.split('.')[2])
  })

  it('answers a call policy denies exactly like a tool that does not exist, and audits why', async () => {
    const client = await world.connect((await world.agentMandate('app-b')).token)
    const denied = await callError(client, 'up__echo', { text: 'say: hi' })
    const unknown = await callError(client, 'up__no_such_tool', { text: 'say: hi' })
    expect(denied.code).toBe(unknown.code)
    expect(denied.message.replace('up__echo', 'X')).toBe(unknown.message.replace('up__no_such_tool', 'X'))
    const rows = await auditRows('tool_call')
    expect(rows.find((r) => r.metadata.application_id === 'app-b' && r.metadata.tool === 'echo')).toMatchObject({ decision: 'deny', evaluationStatus: 'policy denied (resource_not_granted)' })
    expect(rows.find((r) => r.metadata.application_id === 'app-b' && r.metadata.requested === 'up__no_such_tool')).toMatchObject({ decision: 'deny', evaluationStatus: 'unknown' })
  })

  it('denies by tool_rules on the arguments, like an unknown tool, with the rule in audit', async () => {
    const client = await world.connect((await world.agentMandate()).token)
    const outside = await callError(client, 'files__read_file', { path: '/srv/secrets/token.txt' })
    // The SDK's own McpServer answers an unknown tool with this code and text.
    expect(outside.code).toBe(-32602)
    expect(outside.message).toContain('Tool files__read_file not found')
    const climbing = await callError(client, 'files__read_file', { path: '/srv/demo/../secrets/token.txt' })
    expect(climbing.message).toContain('not found')
    const unprefixed = await callError(client, 'up__echo', { text: 'no prefix' })
    expect(unprefixed.message).toContain('not found')
    const rows = (await auditRows('tool_call')).filter((r) => r.decision === 'deny' && r.metadata.application_id === 'app-a')
    expect(rows.map((r) => r.evaluationStatus)).toEqual(expect.arrayContaining(['tool_argument_prefix_mismatch']))
  })

  it('hides and refuses a tool in no group, even one the upstream offers', async () => {
    world.upstream.addTool('ungrouped_tool')
    const client = await world.connect((await world.agentMandate()).token)
    await expect.poll(async () => (await client.listTools()).tools.length).toBeGreaterThan(0)
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('up__ungrouped_tool')
    expect((await callError(client, 'up__ungrouped_tool')).message).toContain('not found')
  })

  it('holds a call that needs approval with a tool error naming the approval; after approval the same call succeeds, once', async () => {
    const client = await world.connect((await world.agentMandate()).token)
    const held = (await client.callTool({ name: 'files__write_file', arguments: { path: '/srv/demo/out.txt', content: 'approved' } })) as CallToolResult
    expect(held.isError).toBe(true)
    const approvalId = /approval id ([0-9a-f-]{36})/.exec(text(held))![1]!
    expect(held._meta).toEqual({ 'io.modelcontextprotocol/authorization': { reason: 'insufficient_authorization', remediation: 'available', authorizationContextId: approvalId } })
    const again = (await client.callTool({ name: 'files__write_file', arguments: { path: '/srv/demo/out.txt', content: 'approved' } })) as CallToolResult
    expect(text(again)).toContain(approvalId)
    await world.runtime.approvals.decide(ZONE, approvalId, 'approved', 'operator', undefined, 'test')
    expect(text(await client.callTool({ name: 'files__write_file', arguments: { path: '/srv/demo/out.txt', content: 'approved' } }))).toBe('wrote 8 characters to /srv/demo/out.txt')
    expect(text(await client.callTool({ name: 'files__read_file', arguments: { path: '/srv/demo/out.txt' } }))).toBe('approved')
    // The approval was for that call: the next write is held again, under a new approval.
    const next = (await client.callTool({ name: 'files__write_file', arguments: { path: '/srv/demo/out.txt', content: 'again' } })) as CallToolResult
    expect(next.isError).toBe(true)
    const nextId = /approval id ([0-9a-f-]{36})/.exec(text(next))![1]!
    expect(nextId).not.toBe(approvalId)
    expect(text(await client.callTool({ name: 'files__read_file', arguments: { path: '/srv/demo/out.txt' } }))).toBe('approved')
    const rows = (await auditRows('tool_call')).filter((r) => r.metadata.tool === 'write_file')
    expect(rows.map((r) => [r.decision, r.metadata.approval_id])).toEqual([
      ['pending', approvalId],
      ['pending', approvalId],
      ['allow', approvalId],
      ['pending', nextId],
    ])
  })

  /** A client that accepts every URL offer, and hears when one completes. */
  async function urlElicitationClient(token: string): Promise<{ client: Client; offers: Record<string, unknown>[]; completed: string[] }> {
    const offers: Record<string, unknown>[] = []
    const completed: string[] = []
    const client = new Client({ name: 'url-elicitation', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } })
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      offers.push(request.params)
      return { action: 'accept' }
    })
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => void completed.push(n.params.elicitationId))
    await client.connect(new StreamableHTTPClientTransport(new URL(`${world.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
    return { client, offers, completed }
  }

  it('offers a client that supports URL elicitation the approval page, which follows the hold to its decision', async () => {
    const { token } = await world.agentMandate()
    const { client, offers, completed } = await urlElicitationClient(token)
    try {
      const args = { path: '/srv/demo/paged.txt', content: 'paged' }
      const held = (await client.callTool({ name: 'files__write_file', arguments: args })) as CallToolResult
      const approvalId = /approval id ([0-9a-f-]{36})/.exec(text(held))![1]!
      await vi.waitFor(() => expect(offers).toEqual([{ mode: 'url', elicitationId: approvalId, url: `${world.url}/approvals/${approvalId}/page`, message: expect.stringContaining('approver') }]))
      // Asking again while it is held names the same approval, and does not ask the user again.
      expect(text((await client.callTool({ name: 'files__write_file', arguments: args })) as CallToolResult)).toContain(approvalId)
      expect(offers).toHaveLength(1)
      const page = async () => {
        const response = await fetch(`${world.url}/approvals/${approvalId}/page`)
        expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
        expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
        return response.text()
      }
      expect(await page()).toContain('is waiting for an approver')
      expect(completed).toEqual([])
      await world.runtime.approvals.decide(ZONE, approvalId, 'approved', 'operator', undefined, 'test')
      expect(await page()).toContain('was approved')
      // The client hears that the interaction it was sent to is over: now a retry is worth making.
      await vi.waitFor(() => expect(completed).toEqual([approvalId]))
      expect(text(await client.callTool({ name: 'files__write_file', arguments: args }))).toBe('wrote 5 characters to /srv/demo/paged.txt')
      expect((await fetch(`${world.url}/approvals/00000000-0000-7000-8000-000000000000/page`)).status).toBe(404)
    } finally {
      await client.close()
    }
    // A client that declared form elicitation only is never sent a URL. (Another session: the
    // approved mandate above is the first session's for its lifetime.)
    const other = (await world.agentMandate()).token
    const formOnly = new Client({ name: 'form-only', version: '1.0.0' }, { capabilities: { elicitation: {} } })
    formOnly.setRequestHandler(ElicitRequestSchema, async (request) => {
      offers.push(request.params)
      return { action: 'decline' }
    })
    await formOnly.connect(new StreamableHTTPClientTransport(new URL(`${world.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${other}` } } }))
    try {
      const held = (await formOnly.callTool({ name: 'files__write_file', arguments: { path: '/srv/demo/form.txt', content: 'x' } })) as CallToolResult
      expect(held.isError).toBe(true)
      expect(offers).toHaveLength(1)
    } finally {
      await formOnly.close()
    }
  })

  it('tells each session it was offered to when a hold ends, also when another process decided it', async () => {
    const args = { path: '/srv/demo/rejected.txt', content: 'no' }
    const { token } = await world.agentMandate()
    const first = await urlElicitationClient(token)
    const second = await urlElicitationClient(token)
    const closed = await urlElicitationClient(token)
    try {
      const approvalIds = await Promise.all([first, second, closed].map(async ({ client }) => /approval id ([0-9a-f-]{36})/.exec(text((await client.callTool({ name: 'files__write_file', arguments: args })) as CallToolResult))![1]!))
      // One principal, one request: one hold, offered to each of its sessions.
      expect(new Set(approvalIds).size).toBe(1)
      const approvalId = approvalIds[0]!
      for (const { offers } of [first, second, closed]) await vi.waitFor(() => expect(offers.map((o) => o.elicitationId)).toEqual([approvalId]))
      // This one ends its session (DELETE): it is no longer followed for it.
      await (closed.client.transport as StreamableHTTPClientTransport).terminateSession()
      // Decided in the database only, as `caracal-mcp approvals reject` in another process does.
      expect(world.runtime.store.approvals.decide(approvalId, ZONE, 'rejected', 'operator', null, Date.now())).toBe(true)
      for (const { completed } of [first, second]) await vi.waitFor(() => expect(completed).toEqual([approvalId]), { timeout: 5_000 })
      expect(closed.completed).toEqual([])
    } finally {
      await Promise.all([first, second, closed].map(({ client }) => client.close()))
    }
  })

  it('exchanges once per group and scope set, then serves calls from the cache', async () => {
    const client = await world.connect((await world.agentMandate()).token)
    const before = (await auditRows('token_exchange')).length
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'up__echo', arguments: { text: `say: ${i}` } })
    await client.callTool({ name: 'up__whoami', arguments: {} })
    expect((await auditRows('token_exchange')).length - before).toBe(1)
    const calls = (await auditRows('tool_call')).slice(-4)
    expect(calls.map((r) => r.metadata.cache_hit)).toEqual([false, true, true, true])
  })
})

describe('under a delegation', () => {
  it('serves what the delegation covers, and answers the rest as not found rather than ending the caller\'s authority', async () => {
    const rt = world.runtime
    const start = () => rt.sessions.start({ zoneId: ZONE, applicationId: 'app-a', lifecycle: 'task', ttlSeconds: 3600, requestId: 'test', startedBy: 'test' })
    const [source, target] = [await start(), await start()]
    const edge = await rt.delegations.create({ zoneId: ZONE, callerApplicationId: 'app-a', sourceSessionId: source.id, targetSessionId: target.id, resource: 'resource://up/basic', scopes: ['up:use'], ttlSeconds: 600, requestId: 'test' })
    const response = await fetch(`${world.url}/oauth/2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: ZONE, application_id: 'app-a', client_secret: SECRETS['app-a']!, agent_session_id: target.id, delegation_edge_id: edge.id }).toString(),
    })
    const { access_token: token } = (await response.json()) as { access_token: string }
    const client = await world.connect(token)
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['up__echo', 'up__slow', 'up__whoami'])
    const seen = text(await client.callTool({ name: 'up__whoami', arguments: {} }))
    expect(JSON.parse(Buffer.from(seen.slice(7).split('.')[1]!, 'base64url').toString())).toMatchObject({ delegation_edge_id: edge.id, hop_count: 1 })
    const outside = await callError(client, 'files__list_files')
    expect(outside.message).toContain('Tool files__list_files not found')
    const row = (await auditRows('tool_call')).find((r) => r.metadata.agent_session_id === target.id && r.metadata.tool === 'list_files')
    expect(row).toMatchObject({ decision: 'deny', evaluationStatus: expect.stringMatching(/^delegation_invalid/) })
    // The caller's authority stands: the next call in scope still works.
    expect(text(await client.callTool({ name: 'up__echo', arguments: { text: 'say: still here' } }))).toBe('say: still here')
  })
})

describe('prompts and resources', () => {
  it('lists and serves the prompts and resources a group governs, prompts renamed on /mcp', async () => {
    const client = await world.connect((await world.agentMandate()).token)
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['up__greeting'])
    const prompt = await client.getPrompt({ name: 'up__greeting', arguments: { who: 'Ada' } })
    expect(prompt.messages[0]!.content).toEqual({ type: 'text', text: 'Hello, Ada' })
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(['test://notes/public'])
    expect((await client.readResource({ uri: 'test://notes/public' })).contents[0]).toMatchObject({ text: 'the public note' })
    const rows = (await auditRows('mcp_request')).filter((r) => r.decision === 'allow')
    expect(rows.map((r) => r.metadata.method)).toEqual(expect.arrayContaining(['prompts/get', 'resources/read']))
  })

  it('refuses a resource in no group exactly like one that does not exist', async () => {
    const client = await world.connect((await world.agentMandate()).token)
    const hidden = await client.readResource({ uri: 'test://notes/private' }).then(() => undefined, (e: unknown) => e as McpError)
    const missing = await client.readResource({ uri: 'test://notes/none' }).then(() => undefined, (e: unknown) => e as McpError)
    expect(hidden).toBeInstanceOf(McpError)
    expect(hidden!.code).toBe(-32002)
    expect(hidden!.message.replace('private', 'X')).toBe(missing!.message.replace('none', 'X'))
  })

  it('refuses a prompt its principal cannot be granted like one that does not exist', async () => {
    const client = await world.connect((await world.agentMandate('app-b')).token)
    expect((await client.listPrompts()).prompts).toEqual([])
    const denied = await client.getPrompt({ name: 'up__greeting', arguments: { who: 'Ada' } }).then(() => undefined, (e: unknown) => e as McpError)
    expect(denied).toBeInstanceOf(McpError)
    expect(denied!.message).toContain('Prompt up__greeting not found')
  })
})

describe('in flight', () => {
  it('relays progress under the client\'s own token', async () => {
    const client = await world.connect((await world.agentMandate()).token)
    const progress: number[] = []
    await client.callTool({ name: 'up__slow', arguments: { ms: 100 } }, undefined, { onprogress: (p) => progress.push(p.progress) })
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })

  it('passes a cancellation upstream', async () => {
    const client = await world.connect((await world.agentMandate()).token)
    const before = world.upstream.cancelled
    const from = world.upstream.posts.length
    const controller = new AbortController()
    const call = client.callTool({ name: 'up__slow', arguments: { ms: 2000 } }, undefined, { signal: controller.signal })
    setTimeout(() => controller.abort('changed my mind'), 300)
    await expect(call).rejects.toThrow()
    await expect.poll(() => world.upstream.cancelled, { timeout: 5000 }).toBe(before + 1)
    // The cancellation carries what its call carried: the resource mandate (this server's mode).
    const posts = world.upstream.posts.slice(from)
    const sent = posts.find((p) => p.method === 'tools/call')
    const cancellation = posts.find((p) => p.method === 'notifications/cancelled')
    expect(sent?.headers.authorization).toMatch(/^Bearer /)
    expect(cancellation?.headers.authorization).toBe(sent?.headers.authorization)
  })

  it('cancels a call whose session is terminated mid-call, answers it with an error, and audits why', async () => {
    const { token, sessionId } = await world.agentMandate()
    const client = await world.connect(token)
    const before = world.upstream.cancelled
    const call = client.callTool({ name: 'up__slow', arguments: { ms: 5000 } })
    await new Promise((resolve) => setTimeout(resolve, 300))
    await world.runtime.sessions.terminate(ZONE, sessionId, 'test: revoked mid-call', 'test')
    const error = await call.then(
      () => undefined,
      (e: unknown) => e as McpError,
    )
    expect(error).toBeInstanceOf(McpError)
    expect(error!.code).toBe(-32003)
    await expect.poll(() => world.upstream.cancelled, { timeout: 5000 }).toBe(before + 1)
    const row = (await auditRows('tool_call')).find((r) => r.metadata.agent_session_id === sessionId && r.metadata.tool === 'slow')
    expect(row).toMatchObject({ decision: 'allow', metadata: { upstream_status: 'revoked', revoked_anchor: expect.any(String) } })
    // And nothing more under it: the mandate no longer authenticates, and the session is closed.
    await expect(client.listTools()).rejects.toThrow(/Invalid or expired token/)
    const mcpSession = (client.transport as { sessionId?: string }).sessionId!
    await expect.poll(() => world.running.proxy!.proxy.session(mcpSession), { timeout: 5000 }).toBeUndefined()
  })
})

describe('list_changed', () => {
  it('tells a session whose view changed, after re-listing the upstream', async () => {
    let notified = 0
    const client = await world.connect((await world.agentMandate()).token, '/mcp/up')
    client.setNotificationHandler((await import('@modelcontextprotocol/sdk/types.js')).ToolListChangedNotificationSchema, () => void notified++)
    await client.listTools()
    world.upstream.addTool('extra_one')
    await expect.poll(() => notified, { timeout: 5000 }).toBeGreaterThan(0)
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('extra_one')
  })
})

it('keeps the audit chain intact', async () => {
  await world.runtime.audit.flushed()
  const report = verifyZoneChain(world.runtime.store.auditEvents, world.runtime.secrets.auditHmacKey, ZONE)
  expect(report.firstBreak).toBeUndefined()
  expect(report.events).toBeGreaterThan(20)
})
