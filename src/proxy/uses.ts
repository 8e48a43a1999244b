// The MCP requests that use one governed thing, and how each names it: a tool or a prompt by
// name (prefixed on the aggregated endpoint, so renamed on the way upstream), a resource by URI
// (never renamed). Everything else a client sends is either a list, a completion, logging, or
// protocol plumbing the SDK answers itself.
import { CallToolRequestSchema, GetPromptRequestSchema, ReadResourceRequestSchema, SubscribeRequestSchema, UnsubscribeRequestSchema, type Result } from '@modelcontextprotocol/sdk/types.js'
import type { z } from 'zod'
import { isJsonObject } from '../util/json-object.js'
import type { ResultShape } from './direct-requests.js'

export type UseMethod = 'tools/call' | 'prompts/get' | 'resources/read' | 'resources/subscribe' | 'resources/unsubscribe'

interface UseShape {
  kind: 'tool' | 'prompt' | 'resource'
  /** The name or URI the request uses, as the client wrote it. */
  nameOf: (params: Record<string, unknown>) => string
  /** Whether the name is the endpoint's (prefixed) one, replaced by the upstream's own. */
  renames: boolean
  /** A request is decided only once it has this shape: nothing is minted for one the server would refuse. */
  requestSchema: z.ZodType<{ method: string; params?: Record<string, unknown> }>
  result: ResultShape
}

/**
 * What the upstream answers a use is passed to the client as it came: a result is a JSON object,
 * and that is all the proxy asks of it. Not the SDK's result schemas: they copy the result whole
 * and refuse what they do not know, a content type of a newer protocol revision say, which the
 * client may well know; and a client validates what it receives itself.
 */
const PASSED_THROUGH: ResultShape = { accepts: (value): value is Result => isJsonObject(value), refusal: 'a result must be a JSON object' }

/**
 * A tool's result is passed through likewise, but what the proxy reads of it (`isError`, for the
 * audit) and what every client reads (`content`, a list; MCP requires it, and a result without
 * it is completed with an empty one) must have their types: anything else is the upstream's
 * failure, audited and answered as one.
 */
const TOOL_RESULT: ResultShape = {
  accepts: (value): value is Result =>
    isJsonObject(value) && (value.content === undefined || Array.isArray(value.content)) && (value.isError === undefined || typeof value.isError === 'boolean'),
  refusal: 'a tool result must be a JSON object with a list of content',
}

const byName = (params: Record<string, unknown>) => String(params.name ?? '')
const byUri = (params: Record<string, unknown>) => String(params.uri ?? '')

export const USES: Record<UseMethod, UseShape> = {
  'tools/call': { kind: 'tool', nameOf: byName, renames: true, requestSchema: CallToolRequestSchema, result: TOOL_RESULT },
  'prompts/get': { kind: 'prompt', nameOf: byName, renames: true, requestSchema: GetPromptRequestSchema, result: PASSED_THROUGH },
  'resources/read': { kind: 'resource', nameOf: byUri, renames: false, requestSchema: ReadResourceRequestSchema, result: PASSED_THROUGH },
  'resources/subscribe': { kind: 'resource', nameOf: byUri, renames: false, requestSchema: SubscribeRequestSchema, result: PASSED_THROUGH },
  'resources/unsubscribe': { kind: 'resource', nameOf: byUri, renames: false, requestSchema: UnsubscribeRequestSchema, result: PASSED_THROUGH },
}

/** A use's result as the client gets it: as the upstream gave it, a tool result completed with the `content` MCP requires. */
export function forwardedResult(method: UseMethod, result: Result): Result {
  return method === 'tools/call' && result.content === undefined ? { ...result, content: [] } : result
}

export function isUseMethod(method: string): method is UseMethod {
  return Object.hasOwn(USES, method)
}

export function useKind(method: UseMethod): 'tool' | 'prompt' | 'resource' {
  return USES[method].kind
}
