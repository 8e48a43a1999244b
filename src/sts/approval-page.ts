// The approval page a person opens: where an MCP client's URL elicitation sends its user when a
// call is held for approval. It shows what the JSON view at /approvals/{id} shows (the hold's
// state and expiry, nothing about who asked for what: the id is the only capability) and how an
// approver decides, and reloads itself while the hold is pending. Every value is escaped; the
// page loads nothing and may not be framed.
import type { ApprovalView } from '../approvals/index.js'
import type { ApprovalState } from '../store/index.js'

/** Response headers of the page: no script, no framing, no referrer, never cached. */
export const APPROVAL_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
}

const RELOAD_SECONDS = 5

const STATES: Record<ApprovalState, string> = {
  pending: 'is waiting for an approver',
  approved: 'was approved: the call can be made again, once',
  rejected: 'was rejected',
  expired: 'expired before anyone decided it',
  consumed: 'was approved and the call has been made',
}

export function approvalPage(view: ApprovalView | undefined): string {
  // What was asked for is not repeated: an unknown id is not an echo.
  if (!view) return page('No such approval', '<p>There is no such approval.</p>', false)
  const pending = view.state === 'pending'
  const body = [
    `<p>Approval <code>${escapeHtml(view.id)}</code> ${escapeHtml(STATES[view.state as ApprovalState] ?? view.state)}.</p>`,
    pending ? `<p>It stays open until ${escapeHtml(view.expires_at)}. This page updates itself.</p>` : '',
    pending
      ? `<p>An operator decides it with <code>caracal-mcp approvals approve ${escapeHtml(view.id)}</code> (or <code>reject</code>), or through the admin API; ` +
        'a hold for a signed-in user is decided by that user at <code>POST /approvals/{id}/decision</code>.</p>'
      : '',
  ].join('\n')
  return page(`Approval ${view.state}`, body, pending)
}

function page(title: string, body: string, reload: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · caracal-mcp</title>
${reload ? `<meta http-equiv="refresh" content="${RELOAD_SECONDS}">` : ''}
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#f2f2f2;padding:0 .2em}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}
