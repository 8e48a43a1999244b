// Assembles the product from a loaded configuration: the store (zones and resources of the
// config ensured), secret keys, signing keys, policy engine, audit log, sessions, delegations,
// and — once the listen address is known — the STS, the Coordinator, the admin API and their
// HTTP server. Used by `start` and by the
// CLI commands that act on the same state. No logic of its own beyond wiring, putting each zone's
// policy activation on record, and shutdown order.
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, relative } from 'node:path'
import { createApp } from './app.js'
import { Approvals } from './approvals/index.js'
import { AuditLog } from './audit/index.js'
import { groupResource, groupScopes, loadSecrets, type LoadedConfig, type Secrets } from './config/index.js'
import { Delegations } from './delegation/index.js'
import { createApplication } from './admin/index.js'
import { ConfigError } from './errors.js'
import { IdTokenVerifier } from './federation/index.js'
import { KeyRing, sealedKeyPersistence } from './keys/index.js'
import { MetricsRegistry } from './metrics/index.js'
import type { PolicyEngine } from './policy/index.js'
import { startProxyService, type ProxyService } from './proxy/index.js'
import { createPolicyEngineFromConfig } from './policy-from-config.js'
import { AgentSessions } from './sessions/index.js'
import { openStore, purgeExpired, startCheckpointer, type Store } from './store/index.js'
import { AuthFailureLimiter, MintRateLimiter, TokenExchange, stsMetrics } from './sts/index.js'
import { uuid7 } from './util/uuid7.js'

export const HOST_ENV = 'CARACAL_MCP_HOST'
export const PORT_ENV = 'CARACAL_MCP_PORT'
export const ISSUER_ENV = 'CARACAL_MCP_ISSUER'

export interface Runtime {
  loaded: LoadedConfig
  store: Store
  secrets: Secrets
  keys: KeyRing
  policy: PolicyEngine
  audit: AuditLog
  sessions: AgentSessions
  delegations: Delegations
  approvals: Approvals
  /** The STS exchange for an issuer (the server's, or the configured one for CLI use). */
  tokenExchange(issuer: string): TokenExchange
  close(): Promise<void>
}

/**
 * Creates the config's zones and registers their resources — those under policy.zones and one per
 * tool group of every protected server, with the scopes its tools need; existing rows are kept.
 */
function ensureZones(store: Store, loaded: LoadedConfig, nowMs: number): void {
  const zones = Object.keys(loaded.config.policy.zones)
  for (const [zoneId, zone] of Object.entries(loaded.config.policy.zones)) {
    store.zones.ensure({ id: zoneId, name: zoneId, createdAt: nowMs })
    for (const [identifier, resource] of Object.entries(zone.resources)) store.resources.register(zoneId, identifier, resource.scopes, uuid7(nowMs), nowMs)
  }
  for (const [server, protection] of Object.entries(loaded.config.protection)) {
    // The schema guarantees a zone: the named one, or the only one.
    const zoneId = protection.zone ?? zones[0]!
    for (const [group, g] of Object.entries(protection.groups)) store.resources.register(zoneId, groupResource(server, group, g), groupScopes(g), uuid7(nowMs), nowMs)
  }
}

/**
 * Puts each zone's policy activation on record: one `policy_activated` row per zone, naming the
 * version (a hash of the contract and the zone's data) and the data file, never its contents.
 * A process that serves (`start`) decides by that policy from now on: on record every time. Any
 * other command (the CLI's) writes only a zone's first row, so that every chain has a start and a
 * configured zone without rows has lost its chain (audit verify says so); a row per command would
 * claim activations that serve nothing, and move the head an operator keeps.
 */
async function recordPolicyActivations(store: Store, audit: AuditLog, policy: PolicyEngine, loaded: LoadedConfig, serving: boolean): Promise<void> {
  const requestId = uuid7()
  const base = dirname(loaded.path)
  const { manifest } = loaded.config.policy
  await Promise.all(
    Object.entries(loaded.config.policy.zones).map(async ([zoneId, zone]) => {
      const version = policy.version(zoneId)
      if (!version) return
      if (!serving && store.auditEvents.last(zoneId) !== undefined) return
      await audit.record({
        zoneId,
        eventType: 'policy_activated',
        requestId,
        decision: 'allow',
        evaluationStatus: 'complete',
        policySetVersionId: version.id,
        metadata: { data_file: relative(base, loaded.resolvePath(zone.data)), ...(manifest && { manifest: relative(base, loaded.resolvePath(manifest)) }) },
      })
    }),
  )
}

/** `serving`: the process will serve requests (`start`), so its policy activation is on record. */
export async function openRuntime(loaded: LoadedConfig, env: NodeJS.ProcessEnv, warn: (line: string) => void, options: { serving?: boolean } = {}): Promise<Runtime> {
  mkdirSync(dirname(loaded.databasePath), { recursive: true })
  const policy = await createPolicyEngineFromConfig(loaded)
  const secrets = loadSecrets(loaded.databasePath, env, warn)
  const store = openStore(loaded.databasePath)
  ensureZones(store, loaded, Date.now())
  const keys = new KeyRing(sealedKeyPersistence(store.signingKeys, secrets.sealingKey))
  const audit = new AuditLog(store.auditEvents, { hmacKey: secrets.auditHmacKey })
  try {
    await recordPolicyActivations(store, audit, policy, loaded, options.serving ?? false)
  } catch (error) {
    store.close()
    throw error
  }
  const { sts } = loaded.config
  const failures = new AuthFailureLimiter({ maxFailures: sts.authFailuresPerMinute, windowMs: 60_000, blockMs: 60_000 })
  const mintRate = new MintRateLimiter(sts.mintsPerMinute)
  const sessions = new AgentSessions({ store, audit, limits: loaded.config.sessions })
  const delegations = new Delegations({ store, audit, sessions })
  const approvals = new Approvals({ store, audit })
  const verifiers = new Map<string, IdTokenVerifier>()
  for (const [zoneId, zone] of Object.entries(loaded.config.policy.zones)) {
    if (zone.federation && zone.federation.length > 0) verifiers.set(zoneId, new IdTokenVerifier(zone.federation))
  }
  return {
    loaded,
    store,
    secrets,
    keys,
    policy,
    audit,
    sessions,
    delegations,
    approvals,
    tokenExchange: (issuer) =>
      new TokenExchange({ issuer, store, keys, policy, audit, failures, mintRate, sessions, approvals, federation: (zoneId) => verifiers.get(zoneId), maxTokenBytes: loaded.config.server.maxTokenBytes }),
    async close() {
      await audit.flushed()
      store.close()
    },
  }
}

/**
 * Registers the application of every agent server the config names (SPEC §7), when it does not
 * exist yet: it acts only through the delegations the proxy gives it, so its secret is made and
 * thrown away (rotate it to give the application one). One of another zone is a config error.
 */
async function ensureAgentApplications(runtime: Runtime): Promise<void> {
  const { config } = runtime.loaded
  const zones = Object.keys(config.policy.zones)
  for (const [server, protection] of Object.entries(config.protection)) {
    if (!protection.agent) continue
    const zoneId = protection.zone ?? zones[0]!
    const existing = runtime.store.applications.get(protection.agent.application)
    if (existing && existing.zoneId !== zoneId) throw new ConfigError(`protection.${server}.agent.application: ${protection.agent.application} is an application of zone ${existing.zoneId}, not ${zoneId}`)
    if (existing) continue
    await createApplication(runtime, { zoneId, id: protection.agent.application, name: `agent server ${server}` }, { requestId: uuid7(), actor: 'config' })
  }
}

/** The issuer named by the environment or the config, or the listen URL. */
export function issuerFor(loaded: LoadedConfig, env: NodeJS.ProcessEnv, listenUrl?: string): string {
  const issuer = env[ISSUER_ENV] || loaded.config.server.issuer || listenUrl
  if (!issuer) throw new ConfigError(`no issuer: set server.issuer in ${loaded.path} or ${ISSUER_ENV}`)
  return issuer.replace(/\/+$/, '')
}

/**
 * The URL the server listens on as configured (environment over config), for commands that run
 * beside it and must name the same issuer. Port 0 has no such URL: the issuer must be set then.
 */
export function listenUrlFor(loaded: LoadedConfig, env: NodeJS.ProcessEnv): string | undefined {
  const { host, port } = listenAddress(loaded, env)
  return port > 0 ? `http://${host.includes(':') ? `[${host}]` : host}:${port}` : undefined
}

/** The listen address: the environment over the config, the port checked. */
function listenAddress(loaded: LoadedConfig, env: NodeJS.ProcessEnv): { host: string; port: number } {
  const host = env[HOST_ENV] || loaded.config.server.host
  const port = env[PORT_ENV] !== undefined && env[PORT_ENV] !== '' ? Number(env[PORT_ENV]) : loaded.config.server.port
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${PORT_ENV} must be a port number`)
  return { host, port }
}

export interface RunningServer {
  server: Server
  url: string
  issuer: string
  /** The MCP proxy, when the config protects at least one upstream server. */
  proxy: ProxyService | undefined
  /** Stops accepting, ends open connections and MCP sessions, stops the upstreams. */
  close(): Promise<void>
}

/**
 * Listens on the configured address and serves the MCP proxy (when servers are protected), the
 * STS, the Coordinator and the admin API; resolves once listening and connected upstream.
 */
export async function listen(runtime: Runtime, env: NodeJS.ProcessEnv, warn: (line: string) => void): Promise<RunningServer> {
  const { host, port } = listenAddress(runtime.loaded, env)
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new ConfigError(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`, { cause: error })))
    server.listen(port, host, resolve)
  })
  const address = server.address() as AddressInfo
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  const issuer = issuerFor(runtime.loaded, env, url)
  if (issuer.startsWith('http://')) {
    warn(`WARNING: issuer ${issuer} is plain http: mandates name it and verifiers fetch its JWKS. Use an https issuer outside development.`)
  }
  const onError = (error: unknown, id: string) => warn(`request ${id}: ${(error as Error)?.stack ?? error}`)
  const { store, keys, sessions, delegations } = runtime
  const exchange = runtime.tokenExchange(issuer)
  // One registry for everything GET /metrics shows (served with the proxy): the proxy's and the token endpoint's.
  const metrics = new MetricsRegistry()
  let proxy: ProxyService | undefined
  if (Object.keys(runtime.loaded.config.protection).length > 0) {
    try {
      await ensureAgentApplications(runtime)
      proxy = await startProxyService({
        loaded: runtime.loaded, env, store, keys, policy: runtime.policy, audit: runtime.audit, exchange, approvals: runtime.approvals, sessions, delegations, issuer, publicBase: issuer,
        allowedHosts: allowedHosts(address, issuer), metrics, log: warn, onError,
      })
    } catch (error) {
      server.close()
      throw error
    }
  }
  const app = createApp({
    ...(proxy && { proxy: proxy.router }),
    sts: { exchange, keys, onError, metrics: stsMetrics(metrics) },
    coordinator: { issuer, store, keys, sessions, delegations, onError, maxTokenBytes: runtime.loaded.config.server.maxTokenBytes },
    admin: { services: runtime, token: runtime.secrets.adminToken, onError },
  })
  // MCP requests, the hot path, skip express; everything else (and every other spelling of them) goes through it.
  server.on('request', (req, res) => {
    if (!proxy?.serveDirect(req, res)) void app(req, res)
  })
  // Expired jtis, revocations and idempotency keys are forgotten every ten minutes; a failure is
  // reported and retried at the next turn (the rows only cost space).
  const housekeeping = setInterval(() => {
    try {
      purgeExpired(store, Date.now())
    } catch (error) {
      warn(`housekeeping: ${(error as Error)?.message ?? error}`)
    }
  }, HOUSEKEEPING_INTERVAL_MS).unref()
  const checkpointer = startCheckpointer(store.db, warn)
  server.once('close', () => {
    clearInterval(housekeeping)
    checkpointer.stop()
  })
  return {
    server,
    url,
    issuer,
    proxy,
    async close() {
      checkpointer.stop()
      await proxy?.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

/**
 * The Host values the MCP endpoints answer to (DNS-rebinding protection): the listen address,
 * its loopback names when it is a loopback address, and the issuer's host (the public name).
 */
function allowedHosts(address: AddressInfo, issuer: string): Set<string> {
  const port = address.port
  const hosts = new Set([`${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${port}`, new URL(issuer).host.toLowerCase()])
  if (['127.0.0.1', '::1', 'localhost'].includes(address.address)) for (const name of ['localhost', '127.0.0.1', '[::1]']) hosts.add(`${name}:${port}`)
  return hosts
}

const HOUSEKEEPING_INTERVAL_MS = 10 * 60 * 1000
