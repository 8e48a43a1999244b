// What kind of JSON-RPC message an upstream sent, judged by its envelope: the members JSON-RPC 2.0
// and MCP allow at the top level, their types, and the `_meta` MCP defines on params and results.
// Not the SDK's JSONRPCMessageSchema, a zod union that validates and copies the whole message on
// every event. The SDK's Client validates what it is handed again itself, with the same schemas,
// before it acts on it; but the answers to the proxy's uses and their progress go to
// DirectRequests, which relies on this check alone for the envelope (an error's integer code and
// string message, a result that is an object) and checks the rest itself. So this check must
// agree with the SDK's on the envelope (test/unit/proxy/json-rpc-envelope.test.ts). What the
// payload means is the handler's business.
import { isJsonObject } from '../util/json-object.js'

export type EnvelopeKind = 'request' | 'notification' | 'result' | 'error'

const MEMBERS: Record<EnvelopeKind, ReadonlySet<string>> = {
  request: new Set(['jsonrpc', 'id', 'method', 'params']),
  notification: new Set(['jsonrpc', 'method', 'params']),
  result: new Set(['jsonrpc', 'id', 'result']),
  error: new Set(['jsonrpc', 'id', 'error']),
}

/** A request id (or a progress token) as MCP has them: a string or an integer. */
function isRequestId(value: unknown): value is string | number {
  return typeof value === 'string' || Number.isSafeInteger(value)
}

const RELATED_TASK = 'io.modelcontextprotocol/related-task'

/** `_meta` of params or of a result, absent or as MCP defines it: an object, its progress token and related task typed. */
function isMeta(value: unknown): boolean {
  if (value === undefined) return true
  if (!isJsonObject(value)) return false
  if (value.progressToken !== undefined && !isRequestId(value.progressToken)) return false
  const related = value[RELATED_TASK]
  return related === undefined || (isJsonObject(related) && typeof related.taskId === 'string')
}

/** The kind of message `value` is, or undefined when it is none (strictly: no member besides its kind's). */
export function envelopeKind(value: unknown): EnvelopeKind | undefined {
  if (!isJsonObject(value) || value.jsonrpc !== '2.0') return undefined
  let kind: EnvelopeKind
  if (value.method !== undefined) {
    if (typeof value.method !== 'string' || (value.params !== undefined && !(isJsonObject(value.params) && isMeta(value.params._meta)))) return undefined
    if (value.id === undefined) kind = 'notification'
    else if (isRequestId(value.id)) kind = 'request'
    else return undefined
  } else if (value.result !== undefined) {
    if (!isRequestId(value.id) || !isJsonObject(value.result) || !isMeta(value.result._meta)) return undefined
    kind = 'result'
  } else if (value.error !== undefined) {
    const error = value.error
    if ((value.id !== undefined && !isRequestId(value.id)) || !isJsonObject(error) || !Number.isSafeInteger(error.code) || typeof error.message !== 'string') return undefined
    kind = 'error'
  } else {
    return undefined
  }
  const allowed = MEMBERS[kind]
  for (const member in value) if (!allowed.has(member)) return undefined
  return kind
}
