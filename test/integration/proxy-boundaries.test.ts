// Boundaries of the proxy a second review found open, each pinned by the scenario that crossed
// it, with the product started as `caracal-mcp start` starts it and real SDK clients and servers
// on loopback: a session standing on a later mandate once that one is revoked; an upstream session
// opened for a session closed while its call was being decided; a lookup by another principal
// keeping a session alive; a call refused 401 from inside its decision left off the audit log;
// updates of a resource still heard once its grant was removed; a tool of another zone minted for
// before it was refused; a request of a shared stdio child reaching another principal's client; a
// list_changed lost while the list before it was still under way; limits of the config.
import { randomUUID } from 'node:crypto'
import { request } from 'node:http'
import { resolve } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { CreateMessageRequestSchema, ResourceUpdatedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { revokeAuthority } from '../../src/authority/index.js'
import { mintMandate, type MandateClaims } from '../../src/mandate/index.js'
import { SECRETS, ZONE, ZONE_DATA, auditRows, protection, startProxyWorld, type ProxyWorld } from '../helpers/proxy-world.js'
import { ACCEPT, rawMcp, rawSession } from '../helpers/raw-mcp.js'
import { callError, text } from '../helpers/tool-results.js'

const OTHER_ZONE = 'zone-q'
const SAMPLING_SERVER = resolve(import.meta.dirname, '../helpers/sampling-stdio-server.mjs')

const WORLD_ZONE_DATA = {
  ...ZONE_DATA,
  grants: {
    ...ZONE_DATA.grants,
    'resource://up/notes': { application: 'app-a', roles: { 'app-a': ['up:notes'] } },
    'resource://asker/all': { applications: ['app-a', 'app-b'], roles: { 'app-a': ['asker:use'], 'app-b': ['asker:use'] } },
  },
}

let world: ProxyWorld

beforeAll(async () => {
  world = await startProxyWorld({
    mcpServers: {
      up: { type: 'http', url: '${TEST_UPSTREAM_URL}' },
      asker: { command: process.execPath, args: [SAMPLING_SERVER] },
      // The same upstream again, as a server of another zone whose group names the same resource
      // identifier as one of this zone's.
      other: { type: 'http', url: '${TEST_UPSTREAM_URL}' },
    },
    protection: {
      up: (() => {
        const up = (protection(['late_*']) as { up: { groups: Record<string, unknown> } }).up
        return { ...up, zone: ZONE, groups: { ...up.groups, notes: { resources: ['test://notes/private'], scopes: ['up:notes'] } } }
      })(),
      asker: { zone: ZONE, groups: { all: { tools: ['ask'], scopes: ['asker:use'] } } },
      other: { zone: OTHER_ZONE, groups: { basic: { tools: ['echo'], scopes: ['up:use'], resource: 'resource://up/basic' } } },
    },
    zoneData: WORLD_ZONE_DATA,
    otherZones: { [OTHER_ZONE]: { app_ids: {}, grants: {} } },
  })
}, 30_000)
afterAll(async () => {
  await world?.close()
})

const proxy = () => world.running.proxy!.proxy
const sidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sid: string }).sid
const list = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/list' })

/** Another agent mandate of the same agent session (the same principal). */
async function renewed(sessionId: string): Promise<string> {
  const response = await fetch(`${world.url}/oauth/2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: ZONE, application_id: 'app-a', client_secret: SECRETS['app-a']!, agent_session_id: sessionId }).toString(),
  })
  return ((await response.json()) as { access_token: string }).access_token
}

async function revokeRecord(token: string): Promise<void> {
  await revokeAuthority({ store: world.runtime.store, audit: world.runtime.audit }, { zoneId: ZONE, target: { record: sidOf(token) }, reason: 'test', requestId: 'r-test', actor: 'operator:test' })
}

describe('a session', () => {
  it('stands on every mandate it was used with, and closes once a revocation leaves none of them standing', async () => {
    const { token: opener, sessionId } = await world.agentMandate()
    const later = await renewed(sessionId)
    const witness = await renewed(sessionId)
    const session = await rawSession(`${world.url}/mcp`, opener)
    expect((await rawMcp(`${world.url}/mcp`, { body: list(2), token: later, session })).status).toBe(200)
    // A session used with the opener alone: once it is closed, the proxy has seen the revocation.
    const openerOnly = await rawSession(`${world.url}/mcp`, opener)
    // The opener revoked: the session goes on under the later mandate, which still stands.
    await revokeRecord(opener)
    await expect.poll(() => proxy().session(openerOnly), { timeout: 5000 }).toBeUndefined()
    expect((await rawMcp(`${world.url}/mcp`, { body: list(3), token: opener, session })).status).toBe(401)
    expect((await rawMcp(`${world.url}/mcp`, { body: list(4), token: later, session })).status).toBe(200)
    expect(proxy().session(session)).toBeDefined()
    // The later one revoked too: nothing it was used with stands, and the session is closed
    // (a valid mandate of the same principal now finds no such session).
    await revokeRecord(later)
    await expect.poll(() => proxy().session(session), { timeout: 5000 }).toBeUndefined()
    expect((await rawMcp(`${world.url}/mcp`, { body: list(5), token: witness, session })).status).toBe(404)
  })

  it('does not take on a mandate revoked while the request presenting it was still being read', async () => {
    const { token: opener, sessionId } = await world.agentMandate()
    const later = await renewed(sessionId)
    const session = await rawSession(`${world.url}/mcp`, opener)
    const laterOnly = await rawSession(`${world.url}/mcp`, later)
    const body = JSON.stringify(list(2))
    const answer = new Promise<number>((done, fail) => {
      const req = request(`${world.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${later}`, 'mcp-session-id': session, accept: ACCEPT, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume()
        done(res.statusCode!)
      })
      req.once('error', fail)
      // Authenticated on its headers (given a moment to be); the rest of the body comes once the
      // revocation is known.
      req.write(body.slice(0, 10))
      void (async () => {
        await new Promise((r) => setTimeout(r, 200))
        await revokeRecord(later)
        await expect.poll(() => proxy().session(laterOnly), { timeout: 5000 }).toBeUndefined()
        req.end(body.slice(10))
      })().catch(fail)
    })
    expect(await answer).toBe(401)
    // The session stands on its opener alone: revoking that one closes it.
    expect((await rawMcp(`${world.url}/mcp`, { body: list(3), token: opener, session })).status).toBe(200)
    await revokeRecord(opener)
    await expect.poll(() => proxy().session(session), { timeout: 5000 }).toBeUndefined()
  })

  it('is not kept alive by another principal presenting its id', async () => {
    const mine = (await world.agentMandate()).token
    const theirs = (await world.agentMandate()).token
    const session = await rawSession(`${world.url}/mcp`, mine)
    const seen = proxy().session(session)!.lastSeenAt
    await new Promise((r) => setTimeout(r, 20))
    expect((await rawMcp(`${world.url}/mcp`, { body: list(2), token: theirs, session })).status).toBe(404)
    expect(proxy().session(session)!.lastSeenAt).toBe(seen)
    expect((await rawMcp(`${world.url}/mcp`, { body: list(3), token: mine, session })).status).toBe(200)
    expect(proxy().session(session)!.lastSeenAt).toBeGreaterThan(seen)
  })

  it('closed while its call is being decided opens no upstream session that would outlive it', async () => {
    const { token } = await world.agentMandate()
    const before = world.upstream.openSessions()
    for (let round = 0; round < 20; round++) {
      const session = await rawSession(`${world.url}/mcp/up`, token)
      const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: `say: ${round}` } } }
      await Promise.all([rawMcp(`${world.url}/mcp/up`, { body: call, token, session }), rawMcp(`${world.url}/mcp/up`, { method: 'DELETE', token, session })])
    }
    await expect.poll(() => world.upstream.openSessions(), { timeout: 5000 }).toBe(before)
  })
})

describe('a call whose authority ends while it is decided', () => {
  it('is answered 401 and is on record as a refused tool call', async () => {
    // A task session left with under a second is still live, so the bearer authenticates, but it
    // is too short to mint under, so the exchange behind the call refuses it: a 401 from inside
    // the decision, as when the authority ends during the mint. On a loaded machine the request
    // may reach the door after that second (then the door refuses it, before any decision): the
    // scenario is set up again, a few times at most.
    let seen: { requestId: string | null; sessionId: string } | undefined
    for (let attempt = 0; attempt < 5 && !seen; attempt++) {
      const { token, sessionId } = await world.agentMandate()
      const mcp = await rawSession(`${world.url}/mcp/up`, token)
      world.runtime.store.db.prepare('UPDATE agent_sessions SET started_at = ? WHERE id = ?').run(Date.now() + 999 - 3600 * 1000, sessionId)
      const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'say: late' } } }
      const answer = await rawMcp(`${world.url}/mcp/up`, { body: call, token, session: mcp })
      expect(answer.status).toBe(401)
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/)
      const requestId = answer.headers.get('x-request-id')
      if ((await auditRows(world, 'tool_call')).some((r) => r.requestId === requestId)) seen = { requestId, sessionId }
    }
    expect(seen).toBeDefined()
    expect((await auditRows(world, 'tool_call')).filter((r) => r.requestId === seen!.requestId)).toMatchObject([
      { decision: 'deny', evaluationStatus: 'unauthenticated: authority ends too soon to mint under it', metadata: { tool: 'echo', server: 'up', agent_session_id: seen!.sessionId } },
    ])
  })
})

describe('a resource subscription', () => {
  it('hears of updates only while its principal could still be granted the resource', async () => {
    const client = await world.connect((await world.agentMandate()).token, '/mcp/up')
    const updated: string[] = []
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri))
    for (const uri of ['test://notes/public', 'test://notes/private']) await client.subscribeResource({ uri })
    const touchBoth = () => ['test://notes/public', 'test://notes/private'].forEach((uri) => world.upstream.touch(uri))
    touchBoth()
    await expect.poll(() => updated).toEqual(['test://notes/public', 'test://notes/private'])
    // The public note's group is granted no more: its update is withheld. Both come on one stream
    // in order, so once the private note's has arrived, the public note's was decided before it.
    const { 'resource://up/basic': _removed, ...grants } = WORLD_ZONE_DATA.grants
    world.runtime.policy.activate(ZONE, { ...WORLD_ZONE_DATA, grants })
    try {
      touchBoth()
      await expect.poll(() => updated.length).toBe(3)
      expect(updated[2]).toBe('test://notes/private')
    } finally {
      world.runtime.policy.activate(ZONE, WORLD_ZONE_DATA)
    }
    // Granted again, heard again: the subscription was kept.
    touchBoth()
    await expect.poll(() => updated.slice(3)).toEqual(['test://notes/public', 'test://notes/private'])
  })
})

describe('a tool of another zone', () => {
  it('is refused like an unknown tool before anything is minted for it', async () => {
    const client = await world.connect((await world.agentMandate()).token)
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('other__echo')
    const refused = await callError(client, 'other__echo', { text: 'say: hi' })
    const unknown = await callError(client, 'up__no_such_tool', { text: 'say: hi' })
    expect(refused.code).toBe(unknown.code)
    const row = (await auditRows(world, 'tool_call')).find((r) => r.metadata.tool === 'echo' && r.metadata.server === 'other')
    expect(row).toMatchObject({ decision: 'deny', evaluationStatus: 'zone_invalid' })
    // No resource mandate was minted for it, in either zone.
    for (const zone of [ZONE, OTHER_ZONE]) expect((await auditRows(world, 'token_exchange', zone)).filter((r) => r.requestId === row!.requestId)).toEqual([])
  })
})

describe('requests from a shared stdio child to the client', () => {
  async function sampler(name: string, app: string): Promise<{ client: Client; asked: string[] }> {
    const asked: string[] = []
    const client = new Client({ name, version: '1.0.0' }, { capabilities: { sampling: {} } })
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      const content = request.params.messages[0]!.content
      asked.push(!Array.isArray(content) && content.type === 'text' ? content.text : '?')
      return { role: 'assistant', model: 'test-model', content: { type: 'text', text: `${name} says yes` } }
    })
    const { token } = await world.agentMandate(app)
    await client.connect(new StreamableHTTPClientTransport(new URL(`${world.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
    return { client, asked }
  }

  it('reach the caller while the child has served one user of one application, and no one once it has served two', async () => {
    // Two agent sessions of app-a's one user (two principals of one user), and app-b.
    const a = await sampler('A', 'app-a')
    const again = await sampler('A again', 'app-a')
    const b = await sampler('B', 'app-b')
    const ask = async (who: { client: Client }, question: string) => (await who.client.callTool({ name: 'asker__ask', arguments: { question } })) as CallToolResult
    try {
      expect(text(await ask(a, 'first'))).toBe('A says yes')
      expect(text(await ask(again, 'second'))).toBe('A again says yes')
      // B's call makes the child shared by two: what it asks could be on behalf of either (work
      // it carries on after a call returned), so it is refused, to both.
      const ofB = await ask(b, 'third')
      expect(ofB.isError).toBe(true)
      expect(text(ofB)).toMatch(/shared by several users/)
      expect((await ask(a, 'fourth')).isError).toBe(true)
      expect([a.asked, again.asked, b.asked]).toEqual([['first'], ['second'], []])
    } finally {
      for (const { client } of [a, again, b]) await client.close()
    }
  })
})

describe('list_changed', () => {
  it('announced while the list before it is still under way is listed again', async () => {
    const client = await world.connect((await world.agentMandate()).token, '/mcp/up')
    const names = async () => (await client.listTools()).tools.map((t) => t.name)
    const lists = () => world.upstream.posts.filter((p) => p.method === 'tools/list').length
    const listed = lists()
    world.upstream.listDelayMs = 400
    try {
      world.upstream.addTool('late_b')
      // The proxy is listing now, and the upstream has made its answer (without late_c).
      await expect.poll(lists, { timeout: 5000 }).toBeGreaterThan(listed)
      await new Promise((r) => setTimeout(r, 100))
      world.upstream.addTool('late_c')
      await expect.poll(names, { timeout: 5000 }).toEqual(expect.arrayContaining(['late_b', 'late_c']))
    } finally {
      world.upstream.listDelayMs = 0
    }
  })
})

describe('limits from the config', () => {
  let limited: ProxyWorld
  beforeAll(async () => {
    limited = await startProxyWorld({ server: { maxBodyBytes: 2048, maxTokenBytes: 1024 } })
  }, 30_000)
  afterAll(async () => {
    await limited?.close()
  })

  it('refuses a body over server.maxBodyBytes with 413', async () => {
    // Far within the default (4 MiB): the configured limit is what refuses it.
    const initialize = (name: string) => ({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name, version: '1' } } })
    const token = (await limited.agentMandate()).token
    expect((await rawMcp(`${limited.url}/mcp`, { body: initialize('x'.repeat(3000)), token })).status).toBe(413)
    expect((await rawMcp(`${world.url}/mcp`, { body: initialize('x'.repeat(3000)), token: (await world.agentMandate()).token })).status).toBe(200)
    expect((await rawMcp(`${limited.url}/mcp`, { body: initialize('x'), token })).status).toBe(200)
  })

  it('refuses a bearer over server.maxTokenBytes at the Coordinator too', async () => {
    // A bearer that verifies, made long (real mandates are shorter than the smallest limit):
    // accepted where the limit is the default 4 KiB, refused unread where the config says 1 KiB.
    const long = async (w: ProxyWorld) => {
      const claims = JSON.parse(Buffer.from((await w.agentMandate()).token.split('.')[1]!, 'base64url').toString('utf8')) as MandateClaims
      return mintMandate({ ...claims, jti: randomUUID(), scope: 'agent:lifecycle', note: 'x'.repeat(1200) } as MandateClaims, w.runtime.keys.signingKey(ZONE))
    }
    const read = async (w: ProxyWorld, bearer: string) => (await fetch(`${w.url}/zones/${ZONE}/sessions/no-such-session`, { headers: { authorization: `Bearer ${bearer}` } })).status
    expect(await read(world, await long(world))).toBe(404)
    expect(await read(limited, await long(limited))).toBe(401)
  })
})
