// The pieces of the conformance run through the proxy: the conformance fixture as a child process
// over HTTP, the proxy in front of it set up as a user runs it (as in proxy-world.ts: a config file
// in a temporary directory, loadConfig, openRuntime, listen), an auth shim that gives every request
// of the (auth-unaware) conformance suite an agent mandate, and the suite runner itself
// (scripts/conformance.mjs) with its JSON summary.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { hashSecret } from '../../src/application/index.js'
import { loadConfig } from '../../src/config/index.js'
import { listen, openRuntime, type RunningServer, type Runtime } from '../../src/runtime.js'

export const ROOT = resolve(import.meta.dirname, '../..')
export const CONFORMANCE_FIXTURE = join(ROOT, 'fixtures/upstreams/conformance-server.mjs')
export const CONFORMANCE_SCRIPT = join(ROOT, 'scripts/conformance.mjs')

// ---------------------------------------------------------------------------
// Child processes: every one started here is tracked until it exits.
// ---------------------------------------------------------------------------

const children = new Set<ChildProcess>()

function track(child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((done) => child.once('exit', () => done()))
}

/** Stops a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited(child)
  clearTimeout(timer)
}

/** Stops every child this module started that is still running. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)))
}

// ---------------------------------------------------------------------------
// The conformance fixture over HTTP.
// ---------------------------------------------------------------------------

export interface ConformanceFixture {
  /** Its MCP endpoint, http://127.0.0.1:<port>/mcp. */
  url: string
  stderr: () => string
  close(): Promise<void>
}

export function startConformanceFixture(timeoutMs = 15_000): Promise<ConformanceFixture> {
  const child = track(spawn(process.execPath, [CONFORMANCE_FIXTURE, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }))
  const stderr: Buffer[] = []
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk))
  const stderrText = () => Buffer.concat(stderr).toString('utf8')
  return new Promise((resolvePromise, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer)
      void stopChild(child)
      reject(new Error(`conformance fixture did not start: ${why}\n${stderrText()}`))
    }
    const timer = setTimeout(() => fail(`no "listening" line within ${timeoutMs} ms`), timeoutMs)
    child.once('error', (error) => fail(error.message))
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code})`))
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const match = /^listening (http:\/\/\S+)$/.exec(line)
      if (!match) return fail(`unexpected first line: ${line}`)
      clearTimeout(timer)
      child.removeAllListeners('exit')
      child.stdout!.resume() // nothing more is expected; never let the pipe fill
      resolvePromise({ url: match[1]!, stderr: stderrText, close: () => stopChild(child) })
    })
  })
}

// ---------------------------------------------------------------------------
// The proxy in front of the fixture, as `caracal-mcp start` runs it.
// ---------------------------------------------------------------------------

export const CONFORMANCE_ZONE = 'zone-c'
export const CONFORMANCE_APP = 'app-a'
const CONFORMANCE_SECRET = 'cmcs_test-only-secret-conformance-app-a'
/** The upstream's name in mcpServers: the suite sees its original names at /mcp/everything. */
export const CONFORMANCE_SERVER = 'everything'

export const CONFORMANCE_ZONE_DATA = {
  app_ids: { [CONFORMANCE_APP]: CONFORMANCE_APP },
  grants: {
    [`resource://${CONFORMANCE_SERVER}/all`]: { application: CONFORMANCE_APP, roles: { [CONFORMANCE_APP]: ['conf:use'] } },
  },
  risk: [],
  approval_tiers: [],
  tool_rules: {},
}

export interface ConformanceProxy {
  /** The proxy's base URL, http://127.0.0.1:<port>. */
  url: string
  runtime: Runtime
  running: RunningServer
  warnings: string[]
  /** A task session of app-a (ttl 3600) and an agent mandate for it, from the token endpoint. */
  agentMandate(): Promise<string>
  close(): Promise<void>
}

export async function startConformanceProxy(upstreamUrl: string): Promise<ConformanceProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'caracal-conformance-proxy-'))
  let runtime: Runtime | undefined
  try {
    writeFileSync(join(dir, 'zone.json'), JSON.stringify(CONFORMANCE_ZONE_DATA))
    const config = {
      policy: { zones: { [CONFORMANCE_ZONE]: { data: 'zone.json' } } },
      store: { path: 'caracal.sqlite' },
      server: { host: '127.0.0.1', port: 0 },
      mcpServers: { [CONFORMANCE_SERVER]: { type: 'http', url: upstreamUrl } },
      protection: {
        [CONFORMANCE_SERVER]: { groups: { all: { tools: ['*'], prompts: ['*'], resources: ['*'], scopes: ['conf:use'] } } },
      },
    }
    writeFileSync(join(dir, 'mcp.config.json'), JSON.stringify(config))
    const warnings: string[] = []
    const warn = (line: string) => void warnings.push(line)
    const env = { ...process.env, CARACAL_MCP_DATABASE: '', CARACAL_MCP_HOST: '', CARACAL_MCP_PORT: '', CARACAL_MCP_ISSUER: '' }
    const loaded = await loadConfig(join(dir, 'mcp.config.json'), env)
    runtime = await openRuntime(loaded, env, warn)
    const now = Date.now()
    runtime.store.applications.create({
      id: CONFORMANCE_APP, zoneId: CONFORMANCE_ZONE, name: CONFORMANCE_APP, registrationMethod: 'managed',
      secretHash: await hashSecret(CONFORMANCE_SECRET), status: 'active', createdAt: now, updatedAt: now,
    })
    const running = await listen(runtime, env, warn)
    const rt = runtime
    return {
      url: running.url,
      runtime: rt,
      running,
      warnings,
      async agentMandate() {
        const session = await rt.sessions.start({ zoneId: CONFORMANCE_ZONE, applicationId: CONFORMANCE_APP, lifecycle: 'task', ttlSeconds: 3600, requestId: 'conformance', startedBy: 'test' })
        const response = await fetch(`${running.url}/oauth/2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: CONFORMANCE_ZONE, application_id: CONFORMANCE_APP,
            client_secret: CONFORMANCE_SECRET, agent_session_id: session.id,
          }).toString(),
        })
        const body = (await response.json()) as { access_token?: string }
        if (!body.access_token) throw new Error(`no agent mandate: ${JSON.stringify(body)}`)
        return body.access_token
      },
      async close() {
        await running.close()
        await rt.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await runtime?.close().catch(() => {})
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

// ---------------------------------------------------------------------------
// The auth shim: a transparent HTTP forwarder that adds the bearer.
// ---------------------------------------------------------------------------

// Per connection, not end to end (RFC 9110 §7.6.1): never forwarded; Node frames each hop itself.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate'])

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  )
  const out: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue
    out[name] = value
  }
  return out
}

export interface AuthShim {
  /** http://127.0.0.1:<port> */
  url: string
  port: number
  /** Requests forwarded so far: method, path, Host as received and as sent, response status. */
  log: { method: string; path: string; host: string | undefined; sentHost: string | undefined; status?: number }[]
  close(): Promise<void>
}

/**
 * Forwards every request (method, path, headers, streamed body) to `target` and streams the answer
 * back (status, headers, body — an SSE response as it comes), with `Authorization: Bearer <token>`
 * in place of whatever the client sent. Host and Origin naming the shim itself are rewritten to the
 * target's port under the same name (localhost stays localhost); any other Host or Origin is
 * forwarded unchanged, so the target's own DNS-rebinding protection is what a client tests.
 */
export async function startAuthShim(target: string, token: string): Promise<AuthShim> {
  const targetUrl = new URL(target)
  const targetPort = targetUrl.port || '80'
  const agent = new Agent({ keepAlive: true })
  const log: AuthShim['log'] = []
  let ownPort = 0

  const rewriteHost = (host: string | undefined): string | undefined => {
    if (host === undefined) return `${targetUrl.hostname}:${targetPort}`
    const lower = host.toLowerCase()
    for (const name of ['127.0.0.1', 'localhost']) if (lower === `${name}:${ownPort}`) return `${name}:${targetPort}`
    return host
  }
  const rewriteOrigin = (origin: string): string => {
    const lower = origin.toLowerCase()
    for (const name of ['127.0.0.1', 'localhost']) if (lower === `http://${name}:${ownPort}`) return `http://${name}:${targetPort}`
    return origin
  }

  const server = createServer((req, res) => {
    const headers = endToEnd(req.headers)
    delete headers.authorization
    delete headers.host
    const host = rewriteHost(req.headers.host)
    if (host !== undefined) headers.host = host
    if (typeof req.headers.origin === 'string') headers.origin = rewriteOrigin(req.headers.origin)
    headers.authorization = `Bearer ${token}`
    const entry: AuthShim['log'][number] = { method: req.method ?? 'GET', path: req.url ?? '/', host: req.headers.host, sentHost: host }
    log.push(entry)

    const upstream = httpRequest(
      { protocol: targetUrl.protocol, hostname: targetUrl.hostname, port: targetPort, method: req.method, path: req.url, headers, agent, setHost: false },
      (upstreamRes) => {
        entry.status = upstreamRes.statusCode
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, endToEnd(upstreamRes.headers))
        // Headers now, not with the first body chunk: an SSE stream may be silent for a while.
        res.flushHeaders()
        upstreamRes.pipe(res)
        upstreamRes.once('error', () => res.destroy())
        upstreamRes.once('aborted', () => res.destroy())
      },
    )
    upstream.once('error', (error) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' })
        res.end(`auth shim: ${error.message}`)
      } else res.destroy()
    })
    // The client going away (closing an SSE stream, say) ends the forwarded request too.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  })

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolvePromise())
  })
  ownPort = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${ownPort}`,
    port: ownPort,
    log,
    async close() {
      await new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise())
        server.closeAllConnections()
      })
      agent.destroy()
    },
  }
}

// ---------------------------------------------------------------------------
// The suite, through scripts/conformance.mjs.
// ---------------------------------------------------------------------------

export interface ScenarioScore {
  passed: number
  failed: number
  warnings: number
}

export interface ConformanceSummary {
  passed: number
  failed: number
  scenarios: Record<string, ScenarioScore>
}

export interface ConformanceRun {
  summary: ConformanceSummary
  /** Everything the script printed (one line per scenario, failures under it). */
  stdout: string
  stderr: string
}

/** Runs `node scripts/conformance.mjs --report-only [--url URL] ...` and parses its last stdout line. */
export async function runConformance(options: { url?: string; timeoutMs?: number; args?: string[] } = {}): Promise<ConformanceRun> {
  const timeoutMs = options.timeoutMs ?? 90_000
  const args = [CONFORMANCE_SCRIPT, '--report-only', '--timeout', String(Math.ceil(timeoutMs / 1000)), ...(options.url ? ['--url', options.url] : []), ...(options.args ?? [])]
  const child = track(spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }))
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk))
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk))
  // A little beyond the script's own timeout, which ends the suite itself.
  const killer = setTimeout(() => void stopChild(child), timeoutMs + 10_000)
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    child.once('error', reject)
    child.once('close', (exitCode) => resolvePromise(exitCode))
  }).finally(() => clearTimeout(killer))
  const stdout = Buffer.concat(out).toString('utf8')
  const stderr = Buffer.concat(err).toString('utf8')
  const last = stdout.trimEnd().split('\n').at(-1) ?? ''
  let summary: ConformanceSummary
  try {
    summary = JSON.parse(last) as ConformanceSummary
  } catch {
    throw new Error(`conformance run gave no summary (exit ${code}):\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`)
  }
  if (typeof summary.passed !== 'number' || typeof summary.failed !== 'number' || typeof summary.scenarios !== 'object') {
    throw new Error(`conformance summary has an unexpected shape: ${last}`)
  }
  return { summary, stdout, stderr }
}
