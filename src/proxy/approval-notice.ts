// What a caller is told when a use is held for approval: a tool error (or, for prompts and
// resources, a JSON-RPC error) naming the approval, where to follow it and how it is decided;
// and, to a client that can send its user to a URL (URL-mode elicitation, declared as
// `elicitation.url`), an offer of the approval's page, where the person sees the hold change,
// then `notifications/elicitation/complete` once the hold is decided or lapses: the moment a
// retry is worth making.
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js'
import type { DirectExtra, DownstreamSession } from './downstream-session.js'
import type { Verdict } from './tool-call-authorizer.js'

type Held = Extract<Verdict, { kind: 'approval' }>

/** How long the client's answer to an offer is waited for (then forgotten). */
const OFFER_ANSWER_MS = 120_000
/** Pending approvals offered to one session and followed for it; past this, no more offers (the tool error says it all). */
const MAX_FOLLOWED_PER_SESSION = 16
/** Holds followed at once in all (each is a store read every 250 ms); past this, likewise no more offers. */
const MAX_FOLLOWED = 200
/** One wait on a hold; the follower waits again while the hold is pending. */
const WAIT_SECONDS = 25

/** What following a hold needs of the approvals: its state, once it is no longer pending (or the wait ran out). */
export interface HoldStates {
  wait(id: string, waitSeconds: number, signal?: AbortSignal): Promise<{ state: string } | undefined>
}

/** A pending approval followed for the sessions it was offered to. */
interface Followed {
  sessions: Set<DownstreamSession>
  stop: AbortController
}

export function approvalNotice(issuer: string, verdict: Held): { text: string; meta: Record<string, unknown> } {
  const url = `${issuer}/approvals/${verdict.approvalId}`
  return {
    text:
      `This call needs human approval (approval id ${verdict.approvalId}, open until ${new Date(verdict.expiresAt).toISOString()}). ` +
      `An operator approves it with: caracal-mcp approvals approve ${verdict.approvalId}. ` +
      `Its state: GET ${url}?wait=25, or ${url}/page for a person. Once approved, call again with the same arguments.`,
    meta: { 'io.modelcontextprotocol/authorization': { reason: 'insufficient_authorization', remediation: 'available', authorizationContextId: verdict.approvalId } },
  }
}

/**
 * Offers of approval pages, once per session and approval: an agent retrying a held call must not
 * ask its user again each time. The offer does not hold up the call's answer (the user's choice
 * changes nothing: only an approver decides), and whatever the client answers is of no further use.
 * Each offered hold is followed (one follower per hold, however many sessions it was offered to)
 * until it is decided, lapses or every one of those sessions has closed.
 */
export class ApprovalPages {
  readonly #holds: HoldStates
  readonly #log: (line: string) => void
  /** Per session, the pending approvals it was offered. */
  readonly #offered = new WeakMap<DownstreamSession, Set<string>>()
  readonly #followed = new Map<string, Followed>()
  /** Sessions already closed: an offer made as one closes (its call answered after) starts nothing. */
  readonly #forgotten = new WeakSet<DownstreamSession>()
  #closed = false

  constructor(holds: HoldStates, log: (line: string) => void) {
    this.#holds = holds
    this.#log = log
  }

  offer(session: DownstreamSession, issuer: string, verdict: Held, extra: DirectExtra): void {
    if (this.#closed || this.#forgotten.has(session) || !session.server.getClientCapabilities()?.elicitation?.url) return
    let offered = this.#offered.get(session)
    if (!offered) this.#offered.set(session, (offered = new Set()))
    if (offered.has(verdict.approvalId) || offered.size >= MAX_FOLLOWED_PER_SESSION) return
    if (!this.#followed.has(verdict.approvalId) && this.#followed.size >= MAX_FOLLOWED) return
    offered.add(verdict.approvalId)
    this.#follow(verdict.approvalId, session)
    const request = {
      method: 'elicitation/create' as const,
      params: {
        mode: 'url' as const,
        elicitationId: verdict.approvalId,
        url: `${issuer}/approvals/${verdict.approvalId}/page`,
        message: 'This call is held until an approver approves it. The page shows when that happens; then ask for the call again.',
      },
    }
    // Not under the call's signal: the call is answered (and its signal ends) before the user
    // chooses. Declined, closed or never answered: the tool error says the rest.
    void Promise.resolve()
      .then(() => extra.sendRequest(request, ElicitResultSchema, { signal: AbortSignal.timeout(OFFER_ANSWER_MS) }))
      .catch(() => {})
  }

  /** A closed session is told nothing more; a hold nobody is told about is not followed. */
  forget(session: DownstreamSession): void {
    this.#forgotten.add(session)
    for (const id of this.#offered.get(session) ?? []) {
      const followed = this.#followed.get(id)
      followed?.sessions.delete(session)
      if (followed?.sessions.size === 0) this.#unfollow(id, followed)
    }
    this.#offered.delete(session)
  }

  close(): void {
    this.#closed = true
    for (const [id, followed] of this.#followed) this.#unfollow(id, followed)
  }

  #follow(id: string, session: DownstreamSession): void {
    const existing = this.#followed.get(id)
    if (existing) {
      existing.sessions.add(session)
      return
    }
    const followed: Followed = { sessions: new Set([session]), stop: new AbortController() }
    this.#followed.set(id, followed)
    void this.#ended(id, followed.stop.signal).then((ended) => {
      if (this.#followed.get(id) !== followed) return
      this.#followed.delete(id)
      const now = Date.now()
      for (const s of followed.sessions) {
        this.#offered.get(s)?.delete(id)
        // Nothing is relayed to a session past the authority that opened it.
        if (!ended || s.closing || s.authorizedUntil <= now) continue
        s.server.notification({ method: 'notifications/elicitation/complete', params: { elicitationId: id } }).catch(() => {})
      }
    })
  }

  #unfollow(id: string, followed: Followed): void {
    followed.stop.abort()
    this.#followed.delete(id)
  }

  /** True once the hold is no longer pending; false when following stopped first or the hold is gone. */
  async #ended(id: string, signal: AbortSignal): Promise<boolean> {
    try {
      for (;;) {
        const view = await this.#holds.wait(id, WAIT_SECONDS, signal)
        if (signal.aborted || !view) return false
        if (view.state !== 'pending') return true
      }
    } catch (error) {
      this.#log(`following approval ${id} failed: ${(error as Error)?.message ?? error}`)
      return false
    }
  }
}
