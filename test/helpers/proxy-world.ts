// The product as a user runs it, for proxy tests: a config file in a temporary directory
// (upstreams under mcpServers, their protection, a zone's policy data), loaded with loadConfig,
// opened with openRuntime and served with listen on an ephemeral loopback port — the same path
// as `caracal-mcp start`. Upstreams: the recording test server over HTTP (`up`, upstreamAuth
// `mandate`) and the example files server as a stdio child (`files`). Clients are the SDK's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { hashSecret } from '../../src/application/index.js'
import { loadConfig } from '../../src/config/index.js'
import { listen, openRuntime, type RunningServer, type Runtime } from '../../src/runtime.js'
import { startTestUpstream, type TestUpstream } from './test-upstream.js'

export const ZONE = 'zone-p'
export const SECRETS: Record<string, string> = { 'app-a': 'cmcs_test-only-secret-app-a', 'app-b': 'cmcs_test-only-secret-app-b' }
export const FILES_SERVER = resolve(import.meta.dirname, '../../fixtures/upstreams/files-server.mjs')

export const ZONE_DATA = {
  app_ids: { 'app-a': 'app-a', 'app-b': 'app-b' },
  grants: {
    'resource://up/basic': { application: 'app-a', roles: { 'app-a': ['up:use'] } },
    'resource://up/admin': { application: 'app-a', roles: { admin: ['up:admin'] } },
    'resource://files/read': { application: 'app-a', roles: { 'app-a': ['files:read', 'files:list'] } },
    'resource://files/write': { application: 'app-a', roles: { 'app-a': ['files:write'] } },
  },
  risk: [{ scope: 'files:write', tier: 'high' }],
  approval_tiers: [{ tier: 'high', approver: 'operator', ttl_seconds: 900 }],
  tool_rules: {
    files: { read_file: { arguments: { path: { required: true, path_prefix: ['/srv/demo/'] } } } },
    up: { echo: { arguments: { text: { prefix: ['say:'] } } } },
  },
}

/** The default protection of the two upstreams; `extraBasicTools` widen the `up` server's basic group. */
export function protection(extraBasicTools: string[] = []): Record<string, unknown> {
  return {
    up: {
      groups: {
        basic: { tools: ['echo', 'whoami', 'slow', ...extraBasicTools], prompts: ['greeting'], resources: ['test://notes/public'], scopes: ['up:use'] },
        admin: { tools: ['admin_*'], scopes: ['up:admin'] },
      },
      upstreamAuth: { mode: 'mandate' },
    },
    files: {
      groups: {
        read: { tools: ['read_file', 'list_files'], scopes: ['files:read'], toolScopes: { list_files: ['files:list'] } },
        write: { tools: ['write_file'], scopes: ['files:write'] },
      },
    },
  }
}

export interface ProxyWorld {
  url: string
  runtime: Runtime
  running: RunningServer
  upstream: TestUpstream
  warnings: string[]
  /** A task session of the application and an agent mandate for it, from the token endpoint. */
  agentMandate(app?: string, options?: { labels?: string[] }): Promise<{ token: string; sessionId: string }>
  /** An SDK client connected to an MCP endpoint of the proxy with this bearer. */
  connect(token: string, path?: string): Promise<Client>
  close(): Promise<void>
}

/** ZONE_DATA with the lifecycle resource granted to app-a: its bootstrap mandates (with `zoneResources: LIFECYCLE_RESOURCES`). */
export const ZONE_DATA_WITH_LIFECYCLE = { ...ZONE_DATA, grants: { ...ZONE_DATA.grants, 'resource://caracal/lifecycle': { application: 'app-a', roles: {} } } }
export const LIFECYCLE_RESOURCES = { 'resource://caracal/lifecycle': { scopes: ['agent:lifecycle'] } }

export async function startProxyWorld(options: { protection?: Record<string, unknown>; mcpServers?: Record<string, unknown>; zoneData?: Record<string, unknown>; zoneResources?: Record<string, { scopes: string[] }>; otherZones?: Record<string, Record<string, unknown>>; server?: Record<string, unknown> } = {}): Promise<ProxyWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'caracal-proxy-'))
  const upstream = await startTestUpstream()
  writeFileSync(join(dir, 'zone.json'), JSON.stringify(options.zoneData ?? ZONE_DATA))
  const zones: Record<string, { data: string; resources?: Record<string, { scopes: string[] }> }> = { [ZONE]: { data: 'zone.json', ...(options.zoneResources && { resources: options.zoneResources }) } }
  for (const [zone, data] of Object.entries(options.otherZones ?? {})) {
    writeFileSync(join(dir, `${zone}.json`), JSON.stringify(data))
    zones[zone] = { data: `${zone}.json` }
  }
  const config = {
    policy: { zones },
    store: { path: 'caracal.sqlite' },
    server: { host: '127.0.0.1', port: 0, ...options.server },
    mcpServers: options.mcpServers ?? {
      up: { type: 'http', url: upstream.url },
      files: { command: process.execPath, args: [FILES_SERVER] },
    },
    protection: options.protection ?? protection(),
  }
  writeFileSync(join(dir, 'mcp.config.json'), JSON.stringify(config))
  const warnings: string[] = []
  const warn = (line: string) => void warnings.push(line)
  // Configs may name the recording upstream as ${TEST_UPSTREAM_URL} (expanded at start like any variable).
  const env = { ...process.env, CARACAL_MCP_DATABASE: '', CARACAL_MCP_HOST: '', CARACAL_MCP_PORT: '', CARACAL_MCP_ISSUER: '', TEST_UPSTREAM_URL: upstream.url }
  const loaded = await loadConfig(join(dir, 'mcp.config.json'), env)
  const runtime = await openRuntime(loaded, env, warn)
  const now = Date.now()
  for (const [id, secret] of Object.entries(SECRETS)) {
    runtime.store.applications.create({ id, zoneId: ZONE, name: id, registrationMethod: 'managed', secretHash: await hashSecret(secret), status: 'active', createdAt: now, updatedAt: now })
  }
  const running = await listen(runtime, env, warn)
  const clients: Client[] = []
  return {
    url: running.url,
    runtime,
    running,
    upstream,
    warnings,
    async agentMandate(app = 'app-a', opts = {}) {
      const session = await runtime.sessions.start({ zoneId: ZONE, applicationId: app, lifecycle: 'task', ttlSeconds: 3600, ...(opts.labels && { labels: opts.labels }), requestId: 'test', startedBy: 'test' })
      const response = await fetch(`${running.url}/oauth/2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: ZONE, application_id: app, client_secret: SECRETS[app]!, agent_session_id: session.id }).toString(),
      })
      const body = (await response.json()) as { access_token?: string }
      if (!body.access_token) throw new Error(`no agent mandate: ${JSON.stringify(body)}`)
      return { token: body.access_token, sessionId: session.id }
    },
    async connect(token, path = '/mcp') {
      const client = new Client({ name: 'proxy-test', version: '1.0.0' })
      await client.connect(new StreamableHTTPClientTransport(new URL(`${running.url}${path}`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
      clients.push(client)
      return client
    },
    async close() {
      for (const c of clients) await c.close().catch(() => {})
      await running.close()
      await runtime.close()
      await upstream.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A zone's audit rows of one event type, once everything recorded so far is committed. */
export async function auditRows(world: ProxyWorld, eventType: string, zone = ZONE): Promise<{ decision: string; evaluationStatus: string; requestId: string; metadata: Record<string, unknown> }[]> {
  await world.runtime.audit.flushed()
  return [...world.runtime.store.auditEvents.iterateZone(zone)]
    .filter((r) => r.eventType === eventType)
    .map((r) => ({ decision: r.decision, evaluationStatus: r.evaluationStatus, requestId: r.requestId, metadata: JSON.parse(r.metadataJson) as Record<string, unknown> }))
}
