// The proxy assembled for a running server: revocations followed from the store (so a
// revocation written by any process reaches the caches and the in-flight calls here), the
// resource-mandate cache, the authorizer, the upstreams and the front door, plus the operator
// endpoints /healthz, /readyz and /metrics. Start order matters: everything that listens to the
// revocation bus subscribes before the feed's catch-up is published.
import express from 'express'
import type { AuditLog } from '../audit/index.js'
import { expandUpstream, type LoadedConfig, type UpstreamServer } from '../config/index.js'
import type { KeyRing } from '../keys/index.js'
import type { MetricsRegistry } from '../metrics/index.js'
import type { Delegations } from '../delegation/index.js'
import type { RevocationStore } from '../mandate/index.js'
import type { PolicyEngine } from '../policy/index.js'
import { BusFedRevocationStore, InProcessRevocationBus, StoreRevocationFeed } from '../revocation/index.js'
import type { AgentSessions } from '../sessions/index.js'
import type { Store } from '../store/index.js'
import type { TokenExchange } from '../sts/index.js'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { dirname } from 'node:path'
import { AgentHops } from './agent-hops.js'
import { createFrontDoor } from './front-door.js'
import type { HoldStates } from './approval-notice.js'
import { ResourceMandateCache } from './mandate-cache.js'
import { McpProxy } from './proxy.js'
import { proxyMetrics } from './proxy-metrics.js'
import { ToolCallAuthorizer } from './tool-call-authorizer.js'
import { hearsUpdate } from './visibility.js'

export interface ProxyServiceOptions {
  loaded: LoadedConfig
  env: NodeJS.ProcessEnv
  store: Store
  keys: KeyRing
  policy: PolicyEngine
  audit: AuditLog
  exchange: TokenExchange
  approvals: HoldStates
  sessions: AgentSessions
  delegations: Delegations
  issuer: string
  publicBase: string
  allowedHosts: ReadonlySet<string>
  metrics: MetricsRegistry
  log: (line: string) => void
  onError?: (error: unknown, requestId: string) => void
}

export interface ProxyService {
  proxy: McpProxy
  /** The MCP endpoints, their metadata and the operator endpoints. */
  router: express.Router
  /** The MCP endpoints themselves without express, ahead of the app: false for any other request (front-door.ts). */
  serveDirect(req: IncomingMessage, res: ServerResponse): boolean
  close(): Promise<void>
}

export async function startProxyService(o: ProxyServiceOptions): Promise<ProxyService> {
  const { config } = o.loaded
  const zones = Object.keys(config.policy.zones)
  const servers: Record<string, UpstreamServer> = {}
  for (const name of Object.keys(config.protection)) servers[name] = withCallBack(expandUpstream(name, config.mcpServers[name]!, o.env), config.protection[name]!.agent !== undefined, o.publicBase)

  // The schema guarantees a zone: the named one, or the only one.
  const zoneOf = (server: string) => config.protection[server]!.zone ?? zones[0]!
  const bus = new InProcessRevocationBus()
  const feed = new StoreRevocationFeed(o.store, bus)
  const fed = new BusFedRevocationStore(bus, { healthy: () => feed.healthy() })
  const revocations = anchorsOnly(fed)
  const cache = new ResourceMandateCache()
  const metrics = proxyMetrics(o.metrics)
  const proxy = new McpProxy({
    hearsUpdate: (session, uri) => hearsUpdate(session, uri, o.exchange, Date.now()),
    issuer: o.issuer,
    servers,
    protection: config.protection,
    zoneOf,
    configDir: dirname(o.loaded.path),
    env: o.env,
    audit: o.audit,
    approvals: o.approvals,
    bus,
    revocations,
    cache,
    metrics,
    log: o.log,
  })
  feed.start()
  try {
    await proxy.start()
  } catch (error) {
    feed.stop()
    fed.close()
    await proxy.close()
    throw error
  }
  const hops = new AgentHops({ store: o.store, sessions: o.sessions, delegations: o.delegations, exchange: o.exchange, protection: config.protection, zoneOf, policyVersion: (zone) => o.policy.version(zone)?.id })
  const authorizer = new ToolCallAuthorizer({ issuer: o.issuer, exchange: o.exchange, policy: o.policy, store: o.store, keys: o.keys, revocations, cache, hops, onExchange: (outcome) => metrics.exchanges.inc({ outcome }) })

  const router = express.Router()
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })
  router.get('/readyz', (_req, res) => {
    const upstreams = Object.fromEntries(proxy.catalogue.servers.map((s) => [s, proxy.upstreamConnected(s)]))
    const ready = feed.healthy() && Object.values(upstreams).every(Boolean)
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', revocation_feed: feed.healthy() ? 'healthy' : 'unhealthy', upstreams })
  })
  router.get('/metrics', (_req, res) => {
    const { hits, misses } = cache.stats
    res.type('text/plain; version=0.0.4').send(`${o.metrics.render()}# HELP caracal_mcp_mandate_cache_hit_ratio Share of resource-mandate lookups answered from the cache\n# TYPE caracal_mcp_mandate_cache_hit_ratio gauge\ncaracal_mcp_mandate_cache_hit_ratio ${hits + misses === 0 ? 0 : hits / (hits + misses)}\n`)
  })
  const frontDoor = createFrontDoor({ proxy, exchange: o.exchange, authorizer, revocations, revocationsHealthy: () => feed.healthy(), issuer: o.issuer, publicBase: o.publicBase, allowedHosts: o.allowedHosts, maxBodyBytes: config.server.maxBodyBytes, metrics, ...(o.onError && { onError: o.onError }) })
  router.use(frontDoor.router)

  return {
    proxy,
    router,
    serveDirect: frontDoor.serveDirect,
    async close() {
      feed.stop()
      fed.close()
      await proxy.close()
    },
  }
}

/**
 * The revocation checks of the proxy: anchors, not the zone's delegation-graph epoch. Every edge
 * created anywhere in the zone advances the epoch, so an agent mandate handed to an agent server
 * for one call would read as stale as soon as that agent's own call created the next hop's edge.
 * What the epoch guards is covered otherwise: a mandate under a delegation stands on every edge
 * and session of its path (standing.ts), and a delegated mandate from the cache has its path
 * validated live, as every exchange does.
 */
function anchorsOnly(store: RevocationStore): RevocationStore {
  return { isRevoked: (anchor) => store.isRevoked(anchor), markRevoked: (anchor, ttlMs) => store.markRevoked(anchor, ttlMs) }
}

/** An agent server run as a child learns where to call back in: the proxy's aggregated endpoint (its own env wins). */
function withCallBack(server: UpstreamServer, isAgent: boolean, publicBase: string): UpstreamServer {
  if (!isAgent || server.command === undefined) return server
  return { ...server, env: { CARACAL_MCP_URL: `${publicBase.replace(/\/$/, '')}/mcp`, ...server.env } }
}
