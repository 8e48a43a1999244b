// What a caller is told when a use is held for approval: a tool error (or, for prompts and
// resources, a JSON-RPC error) naming the approval, where to follow it and how it is decided;
// and, to a client that can send its user to a URL (URL-mode elicitation, declared as
// `elicitation.url`), an offer of the approval's page, where the person sees the hold change.
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js'
import type { DirectExtra, DownstreamSession } from './downstream-session.js'
import type { Verdict } from './tool-call-authorizer.js'

type Held = Extract<Verdict, { kind: 'approval' }>

/** How long the client's answer to an offer is waited for (then forgotten). */
const OFFER_ANSWER_MS = 120_000

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
 */
export class ApprovalPages {
  readonly #offered = new WeakMap<DownstreamSession, Set<string>>()

  offer(session: DownstreamSession, issuer: string, verdict: Held, extra: DirectExtra): void {
    if (!session.server.getClientCapabilities()?.elicitation?.url) return
    let offered = this.#offered.get(session)
    if (!offered) this.#offered.set(session, (offered = new Set()))
    if (offered.has(verdict.approvalId)) return
    offered.add(verdict.approvalId)
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
}
