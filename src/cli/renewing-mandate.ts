// Mandates the stdio bridge obtains itself from the token endpoint with the application's
// secret: agent mandates for one agent session (its bearer at the proxy), or bootstrap mandates
// (`agent:lifecycle`, for the Coordinator: the service session the bridge keeps alive).
import { LIFECYCLE_SCOPE } from '../policy/index.js'
import { TOKEN_EXCHANGE_GRANT } from '../sts/index.js'
import { BearerUnavailableError, reasonOf, unreachable, type BearerSource } from './stdio-bridge.js'

/** A mandate is renewed when less than this, or 20 % of its lifetime if less, remains. */
const RENEW_BEFORE_MS = 5 * 60_000

interface Credentials {
  zoneId: string
  applicationId: string
  secret: string
}

/** An agent mandate for an agent session, or a bootstrap mandate for the zone's lifecycle resource. */
export type MandateRequest = Credentials & ({ agentSessionId: string } | { lifecycleResource: string })

interface HeldMandate {
  token: string
  renewAt: number
  expiresAt: number
}

/**
 * Renewal is lazy (asked for by the next request once the renewal point has passed): an idle
 * bridge needs no mandate, and a request always goes out with one that has time left.
 */
export class RenewingMandate implements BearerSource {
  readonly #tokenUrl: URL
  readonly #request: MandateRequest
  readonly #warn: (line: string) => void
  #held: HeldMandate | undefined
  #pending: Promise<string> | undefined

  constructor(tokenUrl: URL, request: MandateRequest, warn: (line: string) => void) {
    this.#tokenUrl = tokenUrl
    this.#request = request
    this.#warn = warn
  }

  async current(): Promise<string> {
    const held = this.#held
    if (held && Date.now() < held.renewAt) return held.token
    try {
      return await this.#obtain()
    } catch (error) {
      // The token endpoint being down for a moment must not cut off a session whose mandate still verifies.
      if (!held || Date.now() >= held.expiresAt - 5_000) throw error
      this.#warn(`${(error as Error).message}; the current mandate is used until it expires`)
      return held.token
    }
  }

  async renew(rejected: string): Promise<boolean> {
    if (this.#held?.token === rejected) this.#held = undefined
    return (await this.current()) !== rejected
  }

  /** One request at a time: concurrent calls at the renewal point share its answer. */
  #obtain(): Promise<string> {
    this.#pending ??= this.#exchange().finally(() => (this.#pending = undefined))
    return this.#pending
  }

  async #exchange(): Promise<string> {
    const request = this.#request
    const body = new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, zone_id: request.zoneId, application_id: request.applicationId, client_secret: request.secret })
    if ('agentSessionId' in request) body.set('agent_session_id', request.agentSessionId)
    else {
      body.set('resource', request.lifecycleResource)
      body.set('scope', LIFECYCLE_SCOPE)
    }
    const what = 'agentSessionId' in request ? `agent mandate for session ${request.agentSessionId}` : `bootstrap mandate for application ${request.applicationId} (${request.lifecycleResource})`
    const askedAt = Date.now()
    let response: Response
    try {
      // A redirect would re-send the secret elsewhere: refused.
      response = await fetch(this.#tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'error' })
    } catch (error) {
      throw unreachable(`the token endpoint ${this.#tokenUrl.href}`, error)
    }
    const answer = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown }
    if (!response.ok || typeof answer.access_token !== 'string' || !answer.access_token) {
      throw new BearerUnavailableError(`the token endpoint ${this.#tokenUrl.href} gave no ${what} (HTTP ${response.status}${reasonOf(answer)})`)
    }
    const lifetime = (typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 60) * 1000
    this.#held = { token: answer.access_token, renewAt: askedAt + lifetime - Math.min(RENEW_BEFORE_MS, lifetime * 0.2), expiresAt: askedAt + lifetime }
    return answer.access_token
  }
}
