// What goes upstream with a call besides the call itself: the headers of ours (in `mandate` mode
// the resource mandate, to an agent server its own agent mandate, and the trace and request id),
// the same as `_meta` keys for an upstream on stdio that has no headers, a configured static
// credential, and the client's own `_meta` with every key of ours taken out. Never anything of the
// client's token.
import type { ServerProtection } from '../config/index.js'
import type { RequestDecision } from './downstream-session.js'
import { traceparentOf } from './trace-context.js'

/** `_meta` keys of ours; a client's own are removed before a request goes upstream. */
const CARACAL_META_PREFIX = 'run.caracal/'
export const MANDATE_META_KEY = 'run.caracal/mandate'
export const AGENT_MANDATE_HEADER = 'Caracal-Agent-Mandate'
export const AGENT_MANDATE_META_KEY = 'run.caracal/agent-mandate'
export const REQUEST_ID_META_KEY = 'run.caracal/request-id'
/** Where each header of `upstreamContext` goes in `_meta` for an upstream without headers. */
const META_KEYS: Record<string, string> = {
  Authorization: MANDATE_META_KEY,
  [AGENT_MANDATE_HEADER]: AGENT_MANDATE_META_KEY,
  traceparent: 'traceparent',
  'X-Request-Id': REQUEST_ID_META_KEY,
}

/**
 * What an upstream is told besides the call: in `mandate` mode the resource mandate, an agent
 * server its own agent mandate, and every upstream the call's trace and request id (correlation
 * only, as Caracal's Gateway sends them). Never anything of the client's.
 */
export function upstreamContext(resourceMandate: string | undefined, agentMandate: string | undefined, decision: RequestDecision): Record<string, string> {
  return {
    ...(resourceMandate !== undefined && { Authorization: `Bearer ${resourceMandate}` }),
    ...(agentMandate !== undefined && { [AGENT_MANDATE_HEADER]: agentMandate }),
    ...(decision.trace && { traceparent: traceparentOf(decision.trace) }),
    'X-Request-Id': decision.requestId,
  }
}

/** The same context as `_meta` keys, for a child on stdio (it has no headers): the mandate without its scheme. */
export function intoMeta(headers: Readonly<Record<string, string>>, meta: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(headers)) meta[META_KEYS[name]!] = name === 'Authorization' ? value.slice('Bearer '.length) : value
}

/**
 * A client's `_meta` without keys of ours (an upstream that trusts `run.caracal/*` must only ever
 * get them from us; compared without case, for readers that fold it) and without its
 * `traceparent`: the upstream continues the trace from the proxy's span, which the proxy sends.
 */
export function withoutOurMeta(meta: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(meta).filter(([key]) => !key.toLowerCase().startsWith(CARACAL_META_PREFIX) && key.toLowerCase() !== 'traceparent'))
}

/** `upstreamAuth.mode = header`: the credential read from the environment once, at start. */
export function staticHeaders(protection: Readonly<Record<string, ServerProtection>>, env: NodeJS.ProcessEnv): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const [server, p] of Object.entries(protection)) {
    if (p.upstreamAuth.mode !== 'header') continue
    const value = env[p.upstreamAuth.fromEnv]
    if (!value) throw new TypeError(`protection.${server}.upstreamAuth.fromEnv: ${p.upstreamAuth.fromEnv} is not set`)
    out[server] = { [p.upstreamAuth.header]: p.upstreamAuth.scheme ? `${p.upstreamAuth.scheme} ${value}` : value }
  }
  return out
}
