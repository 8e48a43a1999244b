// The upstream connections of the proxy. A stdio server is one child process, shared by every
// downstream session and supervised: restarted with backoff when it exits, killed on close. An
// HTTP (or SSE) server gets one upstream session per downstream session, opened on first use and
// ended with it (so the upstream's per-session state — subscriptions, log level — never mixes two
// principals), plus one shared session the proxy lists tools on.
import type { Agent as HttpAgent } from 'node:http'
import { upstreamKind, type ServerProtection, type UpstreamServer } from '../config/index.js'
import { UpstreamUnavailableError } from './errors.js'
import { keepAliveAgent } from './http-client-transport.js'
import { UpstreamConnection, type UpstreamEvents } from './upstream.js'

const RESTART_MIN_MS = 250
const RESTART_MAX_MS = 30_000
/** A child that stayed up this long restarts from the shortest delay again. */
const STABLE_AFTER_MS = 60_000

export interface UpstreamPoolOptions {
  servers: Readonly<Record<string, UpstreamServer>>
  protection: Readonly<Record<string, ServerProtection>>
  configDir: string
  /** A static credential header per server (`upstreamAuth.mode = header`), resolved from the environment. */
  staticHeaders: Readonly<Record<string, Readonly<Record<string, string>>>>
  /** The shared connection (re)connected: list everything again. */
  onConnected: (server: string) => void
  /** How a connection's own messages are routed: a session's, or (no session) the shared one's. */
  eventsFor: (server: string, sessionId: string | undefined) => UpstreamEvents
  log: (line: string) => void
}

interface Shared {
  connection: UpstreamConnection
  /** Settles when the current connect attempt does. */
  ready: Promise<void>
  restartDelayMs: number
  connectedAt: number
  timer?: NodeJS.Timeout
}

export class UpstreamPool {
  readonly #o: UpstreamPoolOptions
  readonly #shared = new Map<string, Shared>()
  /** downstream session id → server → its upstream session (HTTP servers only). */
  readonly #perSession = new Map<string, Map<string, Promise<UpstreamConnection>>>()
  /** The same connections once open, for synchronous access. */
  readonly #settled = new Map<string, Map<string, UpstreamConnection>>()
  /** One keep-alive agent per HTTP upstream, shared by all its sessions. */
  readonly #agents = new Map<string, HttpAgent>()
  #closed = false

  constructor(options: UpstreamPoolOptions) {
    this.#o = options
  }

  #agent(server: string): HttpAgent {
    let agent = this.#agents.get(server)
    if (!agent) {
      agent = keepAliveAgent(this.#o.servers[server]?.url?.startsWith('https:') ?? false)
      this.#agents.set(server, agent)
    }
    return agent
  }

  /** What every connection to a server is made with. */
  #connectionOptions(server: string) {
    // Ten times the request timeout: progress may keep a call alive that long (maxTotalTimeout).
    return { configDir: this.#o.configDir, agent: this.#agent(server), timeoutMs: this.#timeoutMs(server) * 10, ...(this.#o.staticHeaders[server] && { staticHeaders: this.#o.staticHeaders[server] }) }
  }

  /** Connects the shared connection of every protected server; one that fails keeps retrying. */
  async start(): Promise<void> {
    await Promise.all(Object.keys(this.#o.protection).map((server) => this.#startShared(server)))
  }

  /** The connection tools are listed on; a server between restarts fails at once rather than keeping a caller waiting. */
  shared(server: string): UpstreamConnection {
    const entry = this.#shared.get(server)
    if (!entry) throw new UpstreamUnavailableError(server, 'not configured')
    if (!entry.connection.connected) throw new UpstreamUnavailableError(server, 'not connected (restarting)')
    return entry.connection
  }

  /** Whether every session shares the server's one connection (a stdio child). */
  isShared(server: string): boolean {
    const spec = this.#spec(server)
    return upstreamKind(spec) === 'stdio'
  }

  /** The connection a downstream session's calls go through. */
  async forSession(sessionId: string, server: string): Promise<UpstreamConnection> {
    const spec = this.#spec(server)
    if (this.isShared(server)) return this.shared(server)
    if (this.#closed) throw new UpstreamUnavailableError(server, 'the proxy is stopping')
    let servers = this.#perSession.get(sessionId)
    if (!servers) this.#perSession.set(sessionId, (servers = new Map()))
    const existing = servers.get(server)
    if (existing) {
      const connection = await existing
      if (connection.connected) return connection
    }
    const opening = this.#open(server, spec, sessionId, () => {
      servers.delete(server)
      this.#settled.get(sessionId)?.delete(server)
    })
    servers.set(server, opening)
    void opening.then(
      (connection) => {
        if (this.#perSession.get(sessionId) !== servers) return void connection.close()
        let settled = this.#settled.get(sessionId)
        if (!settled) this.#settled.set(sessionId, (settled = new Map()))
        settled.set(server, connection)
      },
      () => {},
    )
    opening.catch(() => servers.get(server) === opening && servers.delete(server))
    return opening
  }

  /** The connected upstream sessions of one downstream session (HTTP servers only). */
  sessionConnections(sessionId: string): UpstreamConnection[] {
    return [...(this.#settled.get(sessionId)?.values() ?? [])].filter((c) => c.connected)
  }

  /** Ends a downstream session's upstream sessions (its DELETE, or its expiry). */
  async closeSession(sessionId: string): Promise<void> {
    const servers = this.#perSession.get(sessionId)
    this.#perSession.delete(sessionId)
    this.#settled.delete(sessionId)
    if (!servers) return
    await Promise.all([...servers.values()].map(async (opening) => (await opening.catch(() => undefined))?.close()))
  }

  async close(): Promise<void> {
    this.#closed = true
    await Promise.all([...this.#perSession.keys()].map((id) => this.closeSession(id)))
    await Promise.all(
      [...this.#shared.values()].map(async (entry) => {
        clearTimeout(entry.timer)
        await entry.connection.close()
      }),
    )
    for (const agent of this.#agents.values()) agent.destroy()
  }

  #spec(server: string): UpstreamServer {
    const spec = this.#o.servers[server]
    if (!spec || !this.#o.protection[server]) throw new UpstreamUnavailableError(server, 'not configured')
    return spec
  }

  #timeoutMs(server: string): number {
    return this.#o.protection[server]!.timeouts.requestMs
  }

  async #open(server: string, spec: UpstreamServer, sessionId: string, onLost: () => void): Promise<UpstreamConnection> {
    const connection = new UpstreamConnection(server, spec, {
      ...this.#connectionOptions(server),
      events: this.#o.eventsFor(server, sessionId),
      onLost,
      log: this.#o.log,
    })
    await connection.connect(this.#timeoutMs(server))
    return connection
  }

  #startShared(server: string): Promise<void> {
    const spec = this.#spec(server)
    const entry: Shared = { connection: undefined!, ready: Promise.resolve(), restartDelayMs: RESTART_MIN_MS, connectedAt: 0 }
    entry.connection = new UpstreamConnection(server, spec, {
      ...this.#connectionOptions(server),
      events: this.#o.eventsFor(server, undefined),
      onLost: () => {
        this.#o.log(`upstream ${server}: connection lost; restarting`)
        this.#restart(server, entry)
      },
      log: this.#o.log,
    })
    this.#shared.set(server, entry)
    entry.ready = this.#connectShared(server, entry)
    return entry.ready
  }

  async #connectShared(server: string, entry: Shared): Promise<void> {
    try {
      await entry.connection.connect(this.#timeoutMs(server))
      entry.connectedAt = Date.now()
      this.#o.onConnected(server)
    } catch (error) {
      if (this.#closed) return
      this.#o.log(`upstream ${server}: ${(error as Error).message}; retrying in ${entry.restartDelayMs} ms`)
      this.#restart(server, entry)
    }
  }

  // Backoff doubles up to its cap and starts over once a connection stayed up a while.
  #restart(server: string, entry: Shared): void {
    if (this.#closed) return
    if (entry.connectedAt > 0 && Date.now() - entry.connectedAt > STABLE_AFTER_MS) entry.restartDelayMs = RESTART_MIN_MS
    const delay = entry.restartDelayMs
    entry.restartDelayMs = Math.min(delay * 2, RESTART_MAX_MS)
    entry.connectedAt = 0
    let settle!: () => void
    entry.ready = new Promise((resolve) => (settle = resolve))
    entry.timer = setTimeout(() => {
      if (this.#closed) return settle()
      void this.#connectShared(server, entry).finally(settle)
    }, delay)
    entry.timer.unref()
  }
}
