// The product as the benches run it, the way a user does (config file → loadConfig → openRuntime →
// listen) in a temporary directory, with one client application whose secret the bench holds, and
// the SDK client plumbing the benches share.
import { randomBytes, scryptSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js'
import { loadConfig } from '../src/config/index.js'
import { fetchPerRequest } from '../src/http/index.js'
import { listen, openRuntime, type RunningServer, type Runtime } from '../src/runtime.js'

export const BENCH_ZONE = 'bench'
export const BENCH_APP = 'bench-app'
// A bench-only secret; the store keeps its hash.
const SECRET = 'cmcs_bench-only-secret-of-bench-app'

/**
 * The secret's hash in the store's format (`scrypt$N$r$p$salt$hash`, parameters read back from
 * it), with a trivial work factor: a bench mints thousands of agent mandates at the token
 * endpoint as setup, and the real N=2^15 (~50 ms each on the threadpool) would take minutes.
 */
function cheapSecretHash(secret: string): string {
  const salt = randomBytes(16)
  const N = 16, r = 8, p = 1
  return ['scrypt', N, r, p, salt.toString('base64url'), scryptSync(secret, salt, 32, { N, r, p }).toString('base64url')].join('$')
}

export interface BenchProduct {
  url: string
  runtime: Runtime
  running: RunningServer
  /** What the product warned about, but for the expected warnings of a development setup. */
  unexpectedWarnings(): string[]
  /** A new agent (task) session of the bench app: a principal of its own. */
  agentSession(): Promise<string>
  /** A fresh agent mandate for the session from the token endpoint (a distinct string each time). */
  mint(sessionId: string): Promise<string>
  close(): Promise<void>
}

/** Runs the product on this zone data and these upstreams and protection, in zone `bench`. */
export async function startBenchProduct(parts: { zoneData: Record<string, unknown>; mcpServers: Record<string, unknown>; protection: Record<string, unknown> }): Promise<BenchProduct> {
  const dir = mkdtempSync(join(tmpdir(), 'caracal-bench-'))
  writeFileSync(join(dir, 'zone.json'), JSON.stringify(parts.zoneData))
  const config = {
    policy: { zones: { [BENCH_ZONE]: { data: 'zone.json' } } },
    store: { path: 'caracal.sqlite' },
    server: { host: '127.0.0.1', port: 0 },
    sts: { mintsPerMinute: 1_000_000 },
    mcpServers: parts.mcpServers,
    protection: parts.protection,
  }
  writeFileSync(join(dir, 'mcp.config.json'), JSON.stringify(config))
  const warnings: string[] = []
  const warn = (line: string) => void warnings.push(line)
  const env = { ...process.env, CARACAL_MCP_DATABASE: '', CARACAL_MCP_HOST: '', CARACAL_MCP_PORT: '', CARACAL_MCP_ISSUER: '' }
  const runtime = await openRuntime(await loadConfig(join(dir, 'mcp.config.json'), env), env, warn)
  const now = Date.now()
  runtime.store.applications.create({ id: BENCH_APP, zoneId: BENCH_ZONE, name: BENCH_APP, registrationMethod: 'managed', secretHash: cheapSecretHash(SECRET), status: 'active', createdAt: now, updatedAt: now })
  const running = await listen(runtime, env, warn)
  return {
    url: running.url,
    runtime,
    running,
    unexpectedWarnings: () => warnings.filter((line) => !line.startsWith('WARNING: issuer http://') && !line.includes('using development keys')),
    agentSession: async () => (await runtime.sessions.start({ zoneId: BENCH_ZONE, applicationId: BENCH_APP, lifecycle: 'task', ttlSeconds: 3600, requestId: 'bench', startedBy: 'bench' })).id,
    async mint(sessionId: string): Promise<string> {
      const response = await fetch(`${running.url}/oauth/2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: BENCH_ZONE, application_id: BENCH_APP, client_secret: SECRET, agent_session_id: sessionId }).toString(),
      })
      const body = (await response.json()) as { access_token?: string }
      if (!body.access_token) throw new Error(`no agent mandate: ${JSON.stringify(body)}`)
      return body.access_token
    },
    async close() {
      await running.close()
      await runtime.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function connect(url: string, options: { bearer?: string; fetch?: FetchLike; headers?: Record<string, string> } = {}): Promise<Client> {
  const headers = { ...options.headers, ...(options.bearer && { authorization: `Bearer ${options.bearer}` }) }
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(Object.keys(headers).length > 0 && { requestInit: { headers } }),
    // Not the SDK's default: it leaks an abort listener per request on a connection-wide signal,
    // and the cost of adding to that growing list would be measured as the call's.
    fetch: options.fetch ?? fetchPerRequest,
  })
  const client = new Client({ name: 'caracal-bench', version: '1.0.0' })
  await client.connect(transport)
  return client
}

export async function disconnect(client: Client): Promise<void> {
  // DELETE ends the session at its server, so nothing of a scenario outlives it.
  await (client.transport as StreamableHTTPClientTransport | undefined)?.terminateSession().catch(() => {})
  await client.close().catch(() => {})
}
