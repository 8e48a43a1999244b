// An agent server reached over Streamable HTTP: the recording test upstream, marked as the agent
// of application up-agent (which the proxy registers from the config). It receives its mandate as
// the Caracal-Agent-Mandate header (never the client's token, never an Authorization it did not
// ask for), with the request id and trace; the test then acts as that agent, calling back in with
// the mandate; and a revoked delegation is not made again behind the operator's back.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { callError, text } from '../helpers/tool-results.js'
import { FILES_SERVER, SECRETS, ZONE, startProxyWorld, type ProxyWorld } from '../helpers/proxy-world.js'

let world: ProxyWorld

beforeAll(async () => {
  world = await startProxyWorld({
    // The recording server twice: `up2` is a second agent, for a second hop.
    mcpServers: { up: { type: 'http', url: '${TEST_UPSTREAM_URL}' }, up2: { type: 'http', url: '${TEST_UPSTREAM_URL}' }, files: { command: process.execPath, args: [FILES_SERVER] } },
    protection: {
      up: {
        groups: { basic: { tools: ['echo', 'whoami'], scopes: ['up:use'] } },
        agent: { application: 'up-agent', delegate: { scopes: ['up2:use', 'files:read', 'files:list', 'files:write'], maxHops: 2, ttlSeconds: 600 } },
      },
      up2: {
        groups: { basic: { tools: ['echo'], scopes: ['up2:use'] } },
        agent: { application: 'up2-agent', delegate: { scopes: ['files:read', 'files:list'] } },
      },
      files: {
        groups: {
          read: { tools: ['read_file'], scopes: ['files:read'] },
          // Listing is for the first hop at most.
          list: { tools: ['list_files'], scopes: ['files:list'], maxHopCount: 1 },
          write: { tools: ['write_file'], scopes: ['files:write'] },
        },
      },
    },
    zoneData: {
      app_ids: { 'app-a': 'app-a', 'up-agent': 'up-agent', 'up2-agent': 'up2-agent' },
      grants: {
        'resource://up/basic': { application: 'app-a', roles: { 'app-a': ['up:use'] } },
        'resource://up2/basic': { applications: ['app-a', 'up-agent'], roles: { 'app-a': ['up2:use'], 'up-agent': ['up2:use'] } },
        'resource://files/read': { applications: ['app-a', 'up-agent', 'up2-agent'], roles: { 'app-a': ['files:read'], 'up-agent': ['files:read'], 'up2-agent': ['files:read'] } },
        'resource://files/list': { applications: ['app-a', 'up-agent', 'up2-agent'], roles: { 'app-a': ['files:list'], 'up-agent': ['files:list'], 'up2-agent': ['files:list'] } },
        'resource://files/write': { applications: ['up-agent'], roles: { 'up-agent': ['files:write'] } },
      },
    },
  })
})
afterAll(async () => {
  await world?.close()
})

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
}

describe('an agent server over HTTP', () => {
  it('gets its own mandate in Caracal-Agent-Mandate, acts with it, and loses it with its delegation', async () => {
    const { token, sessionId } = await world.agentMandate('app-a')
    const client = await world.connect(token)
    const seen = world.upstream.headers.length
    expect(text(await client.callTool({ name: 'up__echo', arguments: { text: 'hello' } }))).toBe('hello')
    const call = world.upstream.headers.slice(seen).find((h) => h['caracal-agent-mandate'] !== undefined)!
    expect(call).toBeDefined()
    // Its own mandate, correlation, and nothing of the client's (upstream auth is none).
    expect(call.authorization).toBeUndefined()
    expect(JSON.stringify(world.upstream.headers)).not.toContain(token)
    expect(call.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    expect(call['x-request-id']).toEqual(expect.any(String))
    const mandate = call['caracal-agent-mandate'] as string
    const c = claims(mandate)
    expect(c).toMatchObject({ client_id: 'up-agent', use: 'session', hop_count: 1, source_session_id: sessionId })
    expect((c.delegation_chain as { application_id: string }[]).map((h) => h.application_id)).toEqual(['app-a', 'up-agent'])
    const edge = world.runtime.store.delegationEdges.get(c.delegation_edge_id as string)!
    // files:write is the agent's to hold (its grant) but not its caller's: not delegated.
    expect(edge.scopes).toEqual(['files:list', 'files:read', 'up2:use'])
    expect(edge.constraints).toMatchObject({ resources: ['resource://files/list', 'resource://files/read', 'resource://up2/basic'], max_hops: 2 })

    // The agent calls back in with what it was given.
    const agent = await world.connect(mandate)
    expect(text(await agent.callTool({ name: 'files__read_file', arguments: { path: '/srv/demo/README.md' } }))).toContain('# Demo files')
    const write = await callError(agent, 'files__write_file', { path: '/srv/demo/x.md', content: 'x' })
    expect(write.message).toMatch(/Tool files__write_file not found/)

    // The client's delegation is revoked: the agent's mandate stops working, and the client's
    // next call to the agent is refused rather than delegated afresh.
    await world.runtime.delegations.revoke(ZONE, edge.id, 'operator pulled the agent', 'test-revoke')
    await expect(world.connect(mandate)).rejects.toThrow(/Invalid or expired token/)
    const again = await callError(client, 'up__echo', { text: 'hello again' })
    expect(again.message).toMatch(/Tool up__echo not found/)
    const rows = world.runtime.store.auditEvents.tail(ZONE, 5).map((r) => ({ type: r.eventType, status: r.evaluationStatus }))
    expect(rows).toContainEqual({ type: 'tool_call', status: 'delegation_revoked' })
  })

  /** The client calls `up`; the test, as that agent, calls `up2` with what it got; returns both agents' mandates. */
  async function twoHops(client: Client): Promise<{ first: string; second: string; agent: Client }> {
    const mark = world.upstream.headers.length
    await client.callTool({ name: 'up__echo', arguments: { text: 'one' } })
    const first = world.upstream.headers.slice(mark).find((h) => h['caracal-agent-mandate'])!['caracal-agent-mandate'] as string
    const agent = await world.connect(first)
    const again = world.upstream.headers.length
    expect(text(await agent.callTool({ name: 'up2__echo', arguments: { text: 'two' } }))).toBe('two')
    const second = world.upstream.headers.slice(again).find((h) => h['caracal-agent-mandate'])!['caracal-agent-mandate'] as string
    return { first, second, agent }
  }

  it('takes authority from an agent two hops down as soon as the root session ends or is suspended, cached mandates included', async () => {
    for (const end of ['terminate', 'suspend'] as const) {
      const { token, sessionId } = await world.agentMandate('app-a')
      const { second } = await twoHops(await world.connect(token))
      expect(claims(second)).toMatchObject({ client_id: 'up2-agent', hop_count: 2 })
      const deep = await world.connect(second)
      // Its resource mandate for files/read is now cached.
      expect(text(await deep.callTool({ name: 'files__read_file', arguments: { path: '/srv/demo/README.md' } }))).toContain('# Demo files')
      if (end === 'terminate') await world.runtime.sessions.terminate(ZONE, sessionId, 'the user is gone', 'test-end')
      else await world.runtime.sessions.suspend(ZONE, sessionId, 'the user paused', 'test-end')
      // At once: its cached mandate's delegation path is checked live, and no longer stands.
      await expect(deep.callTool({ name: 'files__read_file', arguments: { path: '/srv/demo/README.md' } })).rejects.toThrow()
      if (end === 'terminate') {
        // And once the revocation has reached the proxy's store, the agent's own mandate is
        // refused at the door: ending the root revoked only the edge touching it, but the agent
        // below stands on that edge and that session all the same.
        await vi.waitFor(() => expect(world.connect(second)).rejects.toThrow(/Invalid or expired token/), { timeout: 5_000, interval: 100 })
      }
    }
  })

  it('enforces a group\'s maxHopCount on the mandate of each hop', async () => {
    const { token } = await world.agentMandate('app-a')
    const { agent, second } = await twoHops(await world.connect(token))
    // The first agent (hop 1) may list; the second (hop 2) may read but not list.
    expect(text(await agent.callTool({ name: 'files__list_files', arguments: {} }))).toContain('/srv/demo/README.md')
    const deep = await world.connect(second)
    expect(text(await deep.callTool({ name: 'files__read_file', arguments: { path: '/srv/demo/README.md' } }))).toContain('# Demo files')
    expect((await callError(deep, 'files__list_files')).message).toMatch(/Tool files__list_files not found/)
    expect(world.runtime.store.auditEvents.tail(ZONE, 3).map((r) => r.evaluationStatus)).toContain('hop_count_exceeded')
  })

  it('makes no hop for a single-use gateway mandate: its one call is all the authority it holds', async () => {
    const { sessionId } = await world.agentMandate('app-a')
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: ZONE, application_id: 'app-a', client_secret: SECRETS['app-a']!, agent_session_id: sessionId, resource: 'resource://up/basic', scope: 'up:use' })
    const gateway = ((await (await fetch(`${world.url}/oauth/2/token`, { method: 'POST', body: form })).json()) as { access_token: string }).access_token
    const client = await world.connect(gateway)
    expect((await callError(client, 'up__echo', { text: 'x' })).message).toMatch(/Tool up__echo not found/)
    expect(world.runtime.store.auditEvents.tail(ZONE, 3).map((r) => r.evaluationStatus)).toContain('hop_requires_agent_mandate')
    // Refused before the exchange: the single-use mandate was not spent on a call that could not go.
    expect(world.runtime.store.issuedJtis.wasPresented(claims(gateway).jti as string)).toBe(false)
  })
})
