// An agent server reached over Streamable HTTP: the recording test upstream, marked as the agent
// of application up-agent (which the proxy registers from the config). It receives its mandate as
// the Caracal-Agent-Mandate header (never the client's token, never an Authorization it did not
// ask for), with the request id and trace; the test then acts as that agent, calling back in with
// the mandate; and a revoked delegation is not made again behind the operator's back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callError, text } from '../helpers/tool-results.js'
import { ZONE, startProxyWorld, type ProxyWorld } from '../helpers/proxy-world.js'

let world: ProxyWorld

beforeAll(async () => {
  world = await startProxyWorld({
    protection: {
      up: {
        groups: { basic: { tools: ['echo', 'whoami'], scopes: ['up:use'] } },
        agent: { application: 'up-agent', delegate: { scopes: ['files:read', 'files:write'], maxHops: 1, ttlSeconds: 600 } },
      },
      files: {
        groups: {
          read: { tools: ['read_file', 'list_files'], scopes: ['files:read'] },
          write: { tools: ['write_file'], scopes: ['files:write'] },
        },
      },
    },
    zoneData: {
      app_ids: { 'app-a': 'app-a', 'up-agent': 'up-agent' },
      grants: {
        'resource://up/basic': { application: 'app-a', roles: { 'app-a': ['up:use'] } },
        'resource://files/read': { applications: ['app-a', 'up-agent'], roles: { 'app-a': ['files:read'], 'up-agent': ['files:read'] } },
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
    expect(edge.scopes).toEqual(['files:read'])
    expect(edge.constraints).toMatchObject({ resources: ['resource://files/read'], max_hops: 1 })

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
})
