// The text form of `audit explain`: a headline, then one line per call or decision, two spaces
// of indent per level of the call tree. Ids are printed whole: they are what an operator pastes
// into the next command (sessions terminate, delegations revoke, audit query). Every line is made
// printable: most of what it shows was written by a client, control characters included.
import type { AttachedDecision, CallNode, ForwardedHop } from './explain-row.js'
import { str } from './explain-row.js'
import type { RequestExplanation } from './explain.js'
import { printable } from './printable.js'

export function explanationLines(e: RequestExplanation): string[] {
  const lines = [headline(e)]
  const walk = (node: CallNode, depth: number) => {
    const pad = '  '.repeat(depth)
    lines.push(`${pad}- ${callLine(node)}`)
    if (node.forwarded_to) lines.push(`${pad}  · ${forwardedLine(node.forwarded_to)}`)
    for (const d of node.decisions) lines.push(`${pad}  · ${decisionLine(d)}`)
    for (const child of node.children) walk(child, depth + 1)
  }
  for (const root of e.roots) walk(root, 0)
  if (e.unattributed.length > 0) {
    lines.push('not attributed to a call:')
    for (const d of e.unattributed) lines.push(`  · ${decisionLine(d)}${whoLine(d)}`)
  }
  if (e.other.length > 0) {
    lines.push('other decisions of this request:')
    for (const d of e.other) lines.push(`  · ${decisionLine(d)}${whoLine(d)}`)
  }
  return lines.map(printable)
}

function headline(e: RequestExplanation): string {
  if (e.calls === 0) return `request ${e.request_id}: no calls, ${plural(e.unattributed.length + e.other.length, 'other decision')}`
  const extra = [e.held > 0 && `${e.held} held for approval`, e.revoked > 0 && `${e.revoked} revoked in flight`].filter(Boolean)
  return `request ${e.request_id}: ${plural(e.calls, 'call')} over ${plural(e.hops, 'hop')}, ${e.denied} denied${extra.map((x) => `, ${x}`).join('')}`
}

function callLine(n: CallNode): string {
  const context = [n.agent_session_id && `session ${n.agent_session_id}`, n.delegation_edge_id && `edge ${n.delegation_edge_id}`].filter(Boolean)
  const where = n.server !== undefined || n.group !== undefined ? ` [${n.server ?? '?'}/${n.group ?? '?'}]` : ''
  return `hop ${n.hop} ${n.application_id ?? '(unknown application)'}${context.length > 0 ? ` (${context.join(', ')})` : ''} ${calledThing(n)}${where} ${outcome(n)}${revocation(n)}${linkNote(n)}`
}

/** `server__tool` as the client called it; the method for prompts and resources. */
function calledThing(n: CallNode): string {
  const method = n.method ?? (n.event_type === 'tool_call' ? 'tools/call' : n.event_type)
  const qualified = (name: string) => (n.server !== undefined ? `${n.server}__${name}` : name)
  switch (n.target?.kind) {
    case 'tool':
      return qualified(n.target.name)
    case 'prompt':
      return `${method} ${qualified(n.target.name)}`
    case 'uri':
      return `${method} ${n.target.name}`
    case 'requested':
      return `${method} ${n.target.name} (not in the catalogue)`
    default:
      return method
  }
}

function outcome(n: CallNode): string {
  const decided =
    n.decision === 'allow'
      ? 'allow'
      : n.decision === 'deny'
        ? `deny: ${n.deny_reason ?? n.evaluation_status}`
        : n.decision === 'pending'
          ? `held for approval${n.approval_id ? ` ${n.approval_id}` : ''}`
          : `${n.decision}${n.evaluation_status && n.evaluation_status !== 'complete' ? `: ${n.evaluation_status}` : ''}`
  const upstream = n.upstream_status === undefined ? '' : ` → ${n.upstream_status}${n.latency_ms === undefined ? '' : ` ${n.latency_ms.toFixed(1)} ms`}`
  return decided + upstream
}

function revocation(n: CallNode): string {
  if (n.revoked_anchor === undefined) return ''
  const r = n.revocation
  return `; revoked anchor ${n.revoked_anchor}: ${r ? `${r.kind} revoked at ${r.revoked_at}, reason ${r.reason}` : 'its revocation is no longer on record'}`
}

function linkNote(n: CallNode): string {
  if (n.link === 'trace') return ' (unverified: trace only)'
  if (n.link_candidates !== undefined) return ` (parent chosen by time among ${n.link_candidates} calls forwarded under edge ${n.delegation_edge_id})`
  return ''
}

function forwardedLine(hop: ForwardedHop): string {
  const context = [hop.agent_session_id && `session ${hop.agent_session_id}`, hop.delegation_edge_id && `edge ${hop.delegation_edge_id}`].filter(Boolean)
  return `forwarded to ${hop.application_id ?? '(unknown application)'}${context.length > 0 ? ` (${context.join(', ')})` : ''}`
}

function decisionLine(d: AttachedDecision): string {
  const m = d.metadata
  const type = d.event_type
  if (type === 'token_exchange') {
    const resource = m['resource']
    // No resource: the mint of an agent mandate, as the proxy makes one for an agent server.
    if (resource === '' || resource === undefined) return `token_exchange agent mandate for ${str(m, 'application_id') ?? '?'} session ${str(m, 'agent_session_id') ?? '?'} ${verdict(d)}`
    const named = Array.isArray(resource) ? resource.join(' ') : typeof resource === 'string' ? resource : '(no resource)'
    return `token_exchange ${named} ${verdict(d)}`
  }
  if (type === 'delegation_created') {
    const scopes = Array.isArray(m['scopes']) ? (m['scopes'] as unknown[]).join(' ') : ''
    const constraints = m['constraints'] as Record<string, unknown> | undefined
    const maxHops = typeof constraints?.['max_hops'] === 'number' ? `, max_hops ${constraints['max_hops']}` : ''
    return `delegation_created ${str(m, 'delegation_edge_id') ?? '?'} → ${str(m, 'receiver_application_id') ?? '?'} session ${str(m, 'target_session_id') ?? '?'} (scopes ${scopes || '(none)'}${maxHops})${lifecycleVerdict(d)}`
  }
  if (type === 'delegation_accepted') return `delegation_accepted ${str(m, 'delegation_edge_id') ?? '?'} by ${str(m, 'receiver_application_id') ?? '?'}${lifecycleVerdict(d)}`
  if (type === 'delegation_revoked') return `delegation_revoked ${str(m, 'delegation_edge_id') ?? '?'}: ${str(m, 'reason') ?? '(no reason)'}${lifecycleVerdict(d)}`
  if (type.startsWith('session_')) {
    const parent = str(m, 'agent_parent_id')
    const reason = str(m, 'reason')
    return `${type} ${str(m, 'agent_session_id') ?? '?'} ${str(m, 'application_id') ?? '?'}${parent ? ` (parent ${parent})` : ''}${reason ? `: ${reason}` : ''}${lifecycleVerdict(d)}`
  }
  if (type.startsWith('step_up_')) return `${type} ${str(m, 'challenge_id') ?? '?'} ${verdict(d)}`
  return `${type} ${verdict(d)}`
}

/** Who made a decision that hangs under no call, so the line stands on its own. */
function whoLine(d: AttachedDecision): string {
  const who = [str(d.metadata, 'application_id') && `application ${str(d.metadata, 'application_id')}`, str(d.metadata, 'agent_session_id') && `session ${str(d.metadata, 'agent_session_id')}`].filter(Boolean)
  return who.length > 0 ? ` (${who.join(', ')})` : ''
}

function verdict(d: AttachedDecision): string {
  if (d.decision === 'deny') return `deny: ${d.deny_reason ?? d.evaluation_status}`
  if (d.decision === 'pending') {
    const approval = str(d.metadata, 'approval_id')
    return `pending${approval ? ` approval ${approval}` : ''}`
  }
  return `${d.decision}${d.evaluation_status && d.evaluation_status !== 'complete' ? `: ${d.evaluation_status}` : ''}`
}

/** Sessions and delegations are recorded as `allow`/`complete` when they happen; only anything else is news. */
function lifecycleVerdict(d: AttachedDecision): string {
  return d.decision === 'allow' && d.evaluation_status === 'complete' ? '' : ` ${verdict(d)}`
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
