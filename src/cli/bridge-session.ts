// The agent session of a stdio bridge whose entry names none: a service session the bridge starts
// through the Coordinator with the application's bootstrap mandate, keeps alive with heartbeats
// while it runs, and terminates when it stops. An IDE's entry then holds nothing that expires (no
// session id to paste, no TTL to outlive). A bridge killed before it could terminate the session
// leaves one that lapses a heartbeat interval later. A session that ended otherwise (an operator
// terminated or suspended it) is not replaced: that would undo the operator's act; the bridge
// says so and its requests are refused from then on.
import { CaracalMcpError } from '../errors.js'
import { TOKEN_PATH } from '../sts/index.js'
import { RenewingMandate } from './renewing-mandate.js'
import { reasonOf, unreachable } from './stdio-bridge.js'

/** The session's heartbeat interval: how long it outlives a bridge that died without ending it. */
export const BRIDGE_HEARTBEAT_SECONDS = 120
/** Four heartbeats per interval: a missed one or two (a busy proxy, a sleeping laptop's first seconds) cost nothing. */
const HEARTBEAT_EVERY_MS = (BRIDGE_HEARTBEAT_SECONDS * 1000) / 4
/** A proxy that does not answer a heartbeat in this long has missed it: ticks never pile up behind one. */
const HEARTBEAT_TIMEOUT_MS = 10_000
const TERMINATE_TIMEOUT_MS = 3_000

/** The bridge could not start its service session (token endpoint or Coordinator unreachable, or refusing). */
export class BridgeSessionError extends CaracalMcpError {
  readonly code = 'ERR_CLI_BRIDGE_SESSION'
  override readonly status = 502
}

/** Where Caracal deployments (and the example config) register the resource bootstrap mandates are for. */
export const DEFAULT_LIFECYCLE_RESOURCE = 'resource://caracal/lifecycle'

export interface BridgeSessionRequest {
  zoneId: string
  applicationId: string
  secret: string
  /** The zone's lifecycle resource, which its policy grants the application for bootstrap mandates. */
  lifecycleResource: string
  /** The session's labels; none: the application's default. */
  labels: readonly string[]
}

export class BridgeServiceSession {
  readonly id: string
  readonly #url: URL
  readonly #bootstrap: RenewingMandate
  readonly #warn: (line: string) => void
  readonly #timer: NodeJS.Timeout
  #failing = false
  #ended = false

  private constructor(id: string, url: URL, bootstrap: RenewingMandate, warn: (line: string) => void, heartbeatEveryMs: number) {
    this.id = id
    this.#url = url
    this.#bootstrap = bootstrap
    this.#warn = warn
    // Unreferenced: the bridge lives as long as its client keeps stdin open, not for this timer.
    this.#timer = setInterval(() => void this.#heartbeat(), heartbeatEveryMs).unref()
  }

  /** `origin`: the proxy's, where its token endpoint and the Coordinator are. */
  static async start(origin: URL, request: BridgeSessionRequest, warn: (line: string) => void, heartbeatEveryMs = HEARTBEAT_EVERY_MS): Promise<BridgeServiceSession> {
    const { zoneId, applicationId, secret, lifecycleResource, labels } = request
    const bootstrap = new RenewingMandate(new URL(TOKEN_PATH, origin), { zoneId, applicationId, secret, lifecycleResource }, warn)
    const sessions = new URL(`/zones/${encodeURIComponent(zoneId)}/sessions`, origin)
    const body = { lifecycle: 'service', heartbeat_seconds: BRIDGE_HEARTBEAT_SECONDS, ...(labels.length > 0 && { labels }) }
    let answer: { status: number; json: unknown }
    try {
      answer = await post(sessions, await bootstrap.current(), body)
    } catch (error) {
      throw new BridgeSessionError(`no service session for the bridge: ${(error as Error).message}`, { cause: error })
    }
    const id = (answer.json as { id?: unknown }).id
    if (answer.status !== 201 || typeof id !== 'string') throw new BridgeSessionError(`the Coordinator at ${sessions.href} started no service session for application ${applicationId} (HTTP ${answer.status}${reasonOf(answer.json)})`)
    return new BridgeServiceSession(id, new URL(`${sessions.pathname}/${encodeURIComponent(id)}`, origin), bootstrap, warn, heartbeatEveryMs)
  }

  /** Ends the heartbeats and the session (best effort: otherwise it lapses on its own). */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    if (this.#ended) return
    this.#ended = true
    try {
      const answer = await post(new URL(`${this.#url.pathname}/terminate`, this.#url), await this.#bootstrap.current(), { reason: 'the stdio bridge stopped' }, AbortSignal.timeout(TERMINATE_TIMEOUT_MS))
      if (answer.status !== 200) throw new Error(`HTTP ${answer.status}${reasonOf(answer.json)}`)
    } catch (error) {
      this.#warn(`could not terminate agent session ${this.id}: ${(error as Error).message}; it lapses within ${BRIDGE_HEARTBEAT_SECONDS} s`)
    }
  }

  async #heartbeat(): Promise<void> {
    if (this.#ended) return
    try {
      const answer = await post(new URL(`${this.#url.pathname}/heartbeat`, this.#url), await this.#bootstrap.current(), {}, AbortSignal.timeout(HEARTBEAT_TIMEOUT_MS))
      if (this.#ended) return
      if (answer.status === 404 || answer.status === 409) {
        this.#ended = true
        clearInterval(this.#timer)
        this.#warn(`agent session ${this.id} has ended (HTTP ${answer.status}${reasonOf(answer.json)}): the proxy refuses its mandates from now on; restart this server in the MCP client for a new session`)
        return
      }
      if (answer.status !== 200) throw new Error(`HTTP ${answer.status}${reasonOf(answer.json)}`)
      if (this.#failing) this.#warn(`heartbeats of agent session ${this.id} get through again`)
      this.#failing = false
    } catch (error) {
      // Said once per failing streak; the next tick tries again.
      if (!this.#failing) this.#warn(`heartbeat of agent session ${this.id} failed: ${(error as Error).message}; the session lapses if none gets through within ${BRIDGE_HEARTBEAT_SECONDS} s`)
      this.#failing = true
    }
  }
}

/** A JSON POST with a bootstrap mandate; redirects refused (they would carry the mandate elsewhere). */
async function post(url: URL, bearer: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; json: unknown }> {
  let response: Response
  try {
    response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body), redirect: 'error', ...(signal && { signal }) })
  } catch (error) {
    throw unreachable(url.href, error)
  }
  return { status: response.status, json: await response.json().catch(() => ({})) }
}
