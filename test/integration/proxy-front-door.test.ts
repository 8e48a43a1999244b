// The proxy's HTTP front door, with the product started as `caracal-mcp start` starts it and real
// SDK clients on loopback: the 401 challenge (with and without a token) naming the Protected
// Resource Metadata, the metadata documents, Host and Origin checks, sessions bound to the
// principal that opened them (another principal's, an unknown or a closed one is 404; DELETE also
// ends the upstream session), one message per POST (a broken-off upload is a 400), a call id held
// by a call in flight refused, and the 403 insufficient_scope challenge of a gateway mandate
// lacking scopes its principal could obtain.
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_SESSIONS_PER_PRINCIPAL } from '../../src/proxy/proxy.js'
import { startProxyWorld, ZONE, SECRETS, type ProxyWorld } from '../helpers/proxy-world.js'
import { INITIALIZE, rawMcp, rawSession } from '../helpers/raw-mcp.js'

let world: ProxyWorld
let token: string

beforeAll(async () => {
  world = await startProxyWorld()
  token = (await world.agentMandate()).token
}, 30_000)
afterAll(async () => {
  await world?.close()
})

describe('authentication', () => {
  it('asks for a token with a challenge naming the metadata, and no error code, when none is sent', async () => {
    const answer = await rawMcp(`${world.url}/mcp`, { body: INITIALIZE })
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${world.url}/.well-known/oauth-protected-resource/mcp"`)
    expect(JSON.parse(answer.text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null })
  })

  it('refuses a token that does not verify with invalid_token, and names the endpoint\'s own metadata', async () => {
    const answer = await rawMcp(`${world.url}/mcp/up`, { body: INITIALIZE, token: `${token.slice(0, -4)}AAAA` })
    expect(answer.status).toBe(401)
    const challenge = answer.headers.get('www-authenticate')!
    expect(challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="/)
    expect(challenge).toContain(`resource_metadata="${world.url}/.well-known/oauth-protected-resource/mcp/up"`)
  })

  it('answers alike on the direct path and on the spellings only the router takes (/MCP, /mcp/, /mcp/%75p)', async () => {
    const answers = await Promise.all(['/mcp/up', '/MCP/up', '/mcp/up/', '/mcp/%75p', '/mcp/up?x=1'].map((path) => rawMcp(`${world.url}${path}`, { body: INITIALIZE })))
    for (const answer of answers) {
      expect(answer.status).toBe(401)
      expect(answer.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${world.url}/.well-known/oauth-protected-resource/mcp/up"`)
      expect(answer.headers.get('cache-control')).toBe('no-store')
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8')
      expect(answer.headers.get('x-request-id')).toMatch(/\S/)
      expect(JSON.parse(answer.text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null })
    }
    // A server that is not protected is no endpoint, however it is spelled.
    for (const path of ['/mcp/nope', '/MCP/nope']) expect((await rawMcp(`${world.url}${path}`, { body: INITIALIZE })).status).toBe(404)
  })

  it('refuses a resource mandate (only agent and gateway mandates open sessions)', async () => {
    const answer = await rawMcp(`${world.url}/mcp`, { body: INITIALIZE, token: 'eyJhbGciOiJFUzI1NiJ9.e30.sig' })
    expect(answer.status).toBe(401)
  })

  it('serves RFC 9728 metadata for each endpoint, its resource equal to the endpoint', async () => {
    for (const path of ['/mcp', '/mcp/up', '/mcp/files']) {
      const response = await fetch(`${world.url}/.well-known/oauth-protected-resource${path}`)
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ resource: `${world.url}${path}`, authorization_servers: [world.running.issuer], bearer_methods_supported: ['header'] })
    }
    expect((await fetch(`${world.url}/.well-known/oauth-protected-resource/mcp/nope`)).status).toBe(404)
    expect((await rawMcp(`${world.url}/mcp/nope`, { body: INITIALIZE, token })).status).toBe(404)
  })
})

describe('DNS rebinding', () => {
  // fetch does not let a caller set Host; node:http does, as a rebinding browser effectively would.
  function withHost(host: string): Promise<{ status: number; challenge: string | undefined }> {
    const url = new URL(`${world.url}/mcp`)
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { host, accept: 'application/json, text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode!, challenge: res.headers['www-authenticate'] }))
      })
      req.on('error', reject)
      req.end(JSON.stringify(INITIALIZE))
    })
  }

  it('refuses a Host it does not answer to, before looking at the token', async () => {
    expect(await withHost('evil.example')).toEqual({ status: 403, challenge: undefined })
    expect(await withHost(`evil.example:${new URL(world.url).port}`)).toEqual({ status: 403, challenge: undefined })
    expect((await withHost(`localhost:${new URL(world.url).port}`)).status).toBe(200)
  })

  it('refuses a foreign Origin and accepts its own', async () => {
    expect((await rawMcp(`${world.url}/mcp`, { body: INITIALIZE, token, headers: { origin: 'http://evil.example' } })).status).toBe(403)
    expect((await rawMcp(`${world.url}/mcp`, { body: INITIALIZE, token, headers: { origin: 'null' } })).status).toBe(403)
    expect((await rawMcp(`${world.url}/mcp`, { body: INITIALIZE, token, headers: { origin: world.url } })).status).toBe(200)
  })
})

describe('sessions', () => {
  it('answers 404 to an unknown session and 400 to a request without one', async () => {
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' }
    expect((await rawMcp(`${world.url}/mcp`, { body: list, token, session: 'no-such-session' })).status).toBe(404)
    expect((await rawMcp(`${world.url}/mcp`, { body: list, token })).status).toBe(400)
  })

  it('treats a session presented with another principal\'s mandate as unknown, and one of another endpoint too', async () => {
    const session = await rawSession(`${world.url}/mcp`, token)
    const other = (await world.agentMandate()).token
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' }
    expect((await rawMcp(`${world.url}/mcp`, { body: list, token: other, session })).status).toBe(404)
    expect((await rawMcp(`${world.url}/mcp/up`, { body: list, token, session })).status).toBe(404)
    expect((await rawMcp(`${world.url}/mcp`, { body: list, token, session })).status).toBe(200)
  })

  it('keeps a session across a renewed agent mandate of the same agent session', async () => {
    const { token: first, sessionId } = await world.agentMandate()
    const session = await rawSession(`${world.url}/mcp`, first)
    const renewed = await fetch(`${world.url}/oauth/2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: ZONE, application_id: 'app-a', client_secret: SECRETS['app-a']!, agent_session_id: sessionId }).toString(),
    })
    const second = ((await renewed.json()) as { access_token: string }).access_token
    expect(second).not.toBe(first)
    expect((await rawMcp(`${world.url}/mcp`, { body: { jsonrpc: '2.0', id: 3, method: 'tools/list' }, token: second, session })).status).toBe(200)
  })

  it('closes the session and its upstream session on DELETE; the id is then unknown', async () => {
    const client = await world.connect(token, '/mcp/up')
    await client.callTool({ name: 'echo', arguments: { text: 'say: open the upstream session' } })
    const transport = client.transport as { sessionId?: string }
    const session = transport.sessionId!
    const before = world.upstream.openSessions()
    expect((await rawMcp(`${world.url}/mcp/up`, { method: 'DELETE', token, session })).status).toBe(200)
    await expect.poll(() => world.upstream.openSessions()).toBe(before - 1)
    expect((await rawMcp(`${world.url}/mcp/up`, { body: { jsonrpc: '2.0', id: 3, method: 'tools/list' }, token, session })).status).toBe(404)
  })

  it('closes a principal\'s least recently used session beyond its limit of open sessions', async () => {
    const { token: mine } = await world.agentMandate()
    const first = await rawSession(`${world.url}/mcp`, mine)
    for (let i = 0; i < MAX_SESSIONS_PER_PRINCIPAL; i++) await rawSession(`${world.url}/mcp`, mine)
    expect((await rawMcp(`${world.url}/mcp`, { body: { jsonrpc: '2.0', id: 9, method: 'tools/list' }, token: mine, session: first })).status).toBe(404)
  })

  it('refuses a call under an id a call in flight holds, and that call stays cancellable', async () => {
    const session = await rawSession(`${world.url}/mcp`, token)
    const before = world.upstream.cancelled
    const slow = { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'up__slow', arguments: { ms: 3000 } } }
    const first = rawMcp(`${world.url}/mcp`, { body: slow, token, session }).catch(() => undefined)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const second = await rawMcp(`${world.url}/mcp`, { body: { ...slow, params: { name: 'up__echo', arguments: { text: 'say: twice' } } }, token, session })
    expect(second.status).toBe(200)
    expect(JSON.parse(second.text)).toMatchObject({ id: 5, error: { code: -32600, message: expect.stringContaining('request id 5 is in use by a call in flight') } })
    await rawMcp(`${world.url}/mcp`, { body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5 } }, token, session })
    await expect.poll(() => world.upstream.cancelled, { timeout: 5000 }).toBe(before + 1)
    await first
  })

  it('answers an upload the client broke off as a bad request, not as a failure of its own', async () => {
    const refusals = async (status: string, code: string) => Number(new RegExp(`^caracal_mcp_http_refusals_total\\{status="${status}",code="${code}"\\} (\\d+)$`, 'm').exec(await (await fetch(`${world.url}/metrics`)).text())?.[1] ?? 0)
    const before = await refusals('400', 'ERR_PROXY_REQUEST_INVALID')
    const failuresBefore = await refusals('503', 'ERR_PROXY_UNAVAILABLE')
    const warningsBefore = world.warnings.length
    await new Promise<void>((resolve) => {
      const req = request(`${world.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, accept: 'application/json, text/event-stream', 'content-type': 'application/json', 'content-length': '1000' } })
      req.on('error', () => {})
      req.write('{"jsonrpc":"2.0",')
      setTimeout(() => {
        req.destroy()
        resolve()
      }, 100)
    })
    await expect.poll(() => refusals('400', 'ERR_PROXY_REQUEST_INVALID'), { timeout: 5000 }).toBe(before + 1)
    expect(await refusals('503', 'ERR_PROXY_UNAVAILABLE')).toBe(failuresBefore)
    expect(world.warnings.length).toBe(warningsBefore)
  })

  it('takes one JSON-RPC message per POST and says what is wrong with a body', async () => {
    const session = await rawSession(`${world.url}/mcp`, token)
    const batch = await rawMcp(`${world.url}/mcp`, { body: [{ jsonrpc: '2.0', id: 4, method: 'tools/list' }], token, session })
    expect(batch.status).toBe(400)
    expect(JSON.parse(batch.text).error.message).toMatch(/batches are not supported/)
    const garbled = await rawMcp(`${world.url}/mcp`, { body: '{"jsonrpc":', token, session })
    expect(garbled.status).toBe(400)
    expect(JSON.parse(garbled.text).error.code).toBe(-32700)
    const huge = await rawMcp(`${world.url}/mcp`, { body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'up__echo', arguments: { text: 'x'.repeat(5 * 1024 * 1024) } } }), token, session })
    expect(huge.status).toBe(413)
    // The media type itself must be JSON, as the SDK's transport parses it (before anything is decided).
    const call = { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'up__echo', arguments: { text: 'say: hi' } } }
    expect((await rawMcp(`${world.url}/mcp`, { body: call, token, session, headers: { 'content-type': 'text/plain; x=application/json' } })).status).toBe(415)
    expect((await rawMcp(`${world.url}/mcp`, { body: call, token, session, headers: { 'content-type': 'Application/JSON; charset=utf-8' } })).status).toBe(200)
  })
})

describe('insufficient scope', () => {
  async function gatewayMandate(sessionId: string, resource: string, scope: string): Promise<string> {
    const response = await fetch(`${world.url}/oauth/2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: ZONE, application_id: 'app-a', client_secret: SECRETS['app-a']!, agent_session_id: sessionId, resource, scope }).toString(),
    })
    const body = (await response.json()) as { access_token?: string }
    if (!body.access_token) throw new Error(JSON.stringify(body))
    return body.access_token
  }

  it('answers 403 insufficient_scope naming every scope the tool needs when the principal could obtain them', async () => {
    const { sessionId } = await world.agentMandate()
    const gateway = await gatewayMandate(sessionId, 'resource://up/basic', 'up:use')
    const session = await rawSession(`${world.url}/mcp`, gateway)
    const call = await rawMcp(`${world.url}/mcp`, { body: { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'files__list_files', arguments: {} } }, token: gateway, session })
    expect(call.status).toBe(403)
    expect(call.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", scope="files:list", resource_metadata="${world.url}/.well-known/oauth-protected-resource/mcp", error_description="This tool needs the scopes: files:list"`,
    )
  })

  it('spends a gateway mandate on its one call; presenting it again is 401', async () => {
    const { sessionId } = await world.agentMandate()
    const gateway = await gatewayMandate(sessionId, 'resource://up/basic', 'up:use')
    const session = await rawSession(`${world.url}/mcp`, gateway)
    const call = { jsonrpc: '2.0', method: 'tools/call', params: { name: 'up__echo', arguments: { text: 'say: once' } } }
    const first = await rawMcp(`${world.url}/mcp`, { body: { ...call, id: 6 }, token: gateway, session })
    expect(first.status).toBe(200)
    expect(first.text).toContain('say: once')
    const again = await rawMcp(`${world.url}/mcp`, { body: { ...call, id: 7 }, token: gateway, session })
    expect(again.status).toBe(401)
  })

  it('does not challenge for scopes the principal could never get: that is an unknown tool', async () => {
    const { sessionId } = await world.agentMandate()
    const gateway = await gatewayMandate(sessionId, 'resource://up/basic', 'up:use')
    const session = await rawSession(`${world.url}/mcp`, gateway)
    const call = await rawMcp(`${world.url}/mcp`, { body: { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'up__admin_reset', arguments: {} } }, token: gateway, session })
    expect(call.status).toBe(200)
    expect(call.text).toContain('Tool up__admin_reset not found')
  })
})

describe('operations', () => {
  it('answers /healthz, /readyz with the feed and every upstream, and /metrics in Prometheus text', async () => {
    expect(await (await fetch(`${world.url}/healthz`)).json()).toEqual({ status: 'ok' })
    const ready = await fetch(`${world.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', revocation_feed: 'healthy', upstreams: { up: true, files: true } })
    const client = await world.connect(token)
    await client.callTool({ name: 'up__echo', arguments: { text: 'say: counted' } })
    await client.callTool({ name: 'up__echo', arguments: { text: 'not counted: denied' } }).catch(() => {})
    // app-b holds no grant of the group: its exchange is refused.
    const refused = await world.connect((await world.agentMandate('app-b')).token)
    await refused.callTool({ name: 'up__echo', arguments: { text: 'say: refused' } }).catch(() => {})
    // Refused at the door (no token), and a token request with a wrong secret.
    expect((await rawMcp(`${world.url}/mcp`, { body: INITIALIZE })).status).toBe(401)
    const wrong = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: ZONE, application_id: 'app-a', client_secret: 'cmcs_wrong', agent_session_id: 'x' })
    expect((await fetch(`${world.url}/oauth/2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: wrong.toString() })).status).toBe(401)
    const metrics = await (await fetch(`${world.url}/metrics`)).text()
    expect(metrics).toMatch(/^caracal_mcp_token_requests_total\{grant="token_exchange",outcome="issued"\} [1-9]\d*$/m)
    expect(metrics).toMatch(/^caracal_mcp_token_requests_total\{grant="token_exchange",outcome="access_denied"\} [1-9]\d*$/m)
    expect(metrics).toMatch(/^caracal_mcp_http_refusals_total\{status="401",code="ERR_PROXY_UNAUTHENTICATED"\} [1-9]\d*$/m)
    expect(metrics).toMatch(/^caracal_mcp_tool_calls_total\{server="up",decision="allow",reason="complete"\} [1-9]\d*$/m)
    expect(metrics).toMatch(/^caracal_mcp_tool_calls_total\{server="up",decision="deny",reason="tool_argument_prefix_mismatch"\} 1$/m)
    expect(metrics).toMatch(/^caracal_mcp_tool_call_duration_seconds_count\{server="up"\} [1-9]\d*$/m)
    expect(metrics).toMatch(/^caracal_mcp_mandate_cache_hit_ratio [0-9.]+$/m)
    expect(metrics).toMatch(/^caracal_mcp_resource_exchanges_total\{outcome="minted"\} [1-9]\d*$/m)
    expect(metrics).toMatch(/^caracal_mcp_resource_exchanges_total\{outcome="denied"\} [1-9]\d*$/m)
    expect(metrics).not.toContain(token.split('.')[2])
  })
})

