// What kind of JSON-RPC message an upstream sent, judged by its envelope alone: the members
// JSON-RPC 2.0 and MCP allow at the top level, and their types. Not what the SDK's
// JSONRPCMessageSchema does, a zod union that validates and copies the message whole (params,
// result, _meta) on every event: that was the largest part of zod's cost per proxied call, and
// the SDK's Client checks the kind again anyway before it handles a message. What the payload
// means is the handler's business; what it carries is passed on as the upstream sent it.
export type EnvelopeKind = 'request' | 'notification' | 'result' | 'error'

const MEMBERS: Record<EnvelopeKind, ReadonlySet<string>> = {
  request: new Set(['jsonrpc', 'id', 'method', 'params']),
  notification: new Set(['jsonrpc', 'method', 'params']),
  result: new Set(['jsonrpc', 'id', 'result']),
  error: new Set(['jsonrpc', 'id', 'error']),
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A request id as MCP has them: a string or an integer. */
function isRequestId(value: unknown): value is string | number {
  return typeof value === 'string' || Number.isSafeInteger(value)
}

/** The kind of message `value` is, or undefined when it is none (strictly: no member besides its kind's). */
export function envelopeKind(value: unknown): EnvelopeKind | undefined {
  if (!isObject(value) || value.jsonrpc !== '2.0') return undefined
  let kind: EnvelopeKind
  if (value.method !== undefined) {
    if (typeof value.method !== 'string' || (value.params !== undefined && !isObject(value.params))) return undefined
    if (value.id === undefined) kind = 'notification'
    else if (isRequestId(value.id)) kind = 'request'
    else return undefined
  } else if (value.result !== undefined) {
    if (!isRequestId(value.id) || !isObject(value.result)) return undefined
    kind = 'result'
  } else if (value.error !== undefined) {
    const error = value.error
    if ((value.id !== undefined && !isRequestId(value.id)) || !isObject(error) || !Number.isSafeInteger(error.code) || typeof error.message !== 'string') return undefined
    kind = 'error'
  } else {
    return undefined
  }
  const allowed = MEMBERS[kind]
  for (const member in value) if (!allowed.has(member)) return undefined
  return kind
}
