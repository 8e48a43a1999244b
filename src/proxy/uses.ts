// The MCP requests that use one governed thing, and how each names it: a tool or a prompt by
// name (prefixed on the aggregated endpoint, so renamed on the way upstream), a resource by URI
// (never renamed). Everything else a client sends is either a list, a completion, logging, or
// protocol plumbing the SDK answers itself.
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  EmptyResultSchema,
  GetPromptRequestSchema,
  GetPromptResultSchema,
  ReadResourceRequestSchema,
  ReadResourceResultSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type Result,
} from '@modelcontextprotocol/sdk/types.js'
import type { z } from 'zod'

export type UseMethod = 'tools/call' | 'prompts/get' | 'resources/read' | 'resources/subscribe' | 'resources/unsubscribe'

interface UseShape {
  kind: 'tool' | 'prompt' | 'resource'
  /** The name or URI the request uses, as the client wrote it. */
  nameOf: (params: Record<string, unknown>) => string
  /** Whether the name is the endpoint's (prefixed) one, replaced by the upstream's own. */
  renames: boolean
  /** A request is decided only once it has this shape: nothing is minted for one the server would refuse. */
  requestSchema: z.ZodType<{ method: string; params?: Record<string, unknown> }>
  resultSchema: z.ZodType<Result>
}

const byName = (params: Record<string, unknown>) => String(params.name ?? '')
const byUri = (params: Record<string, unknown>) => String(params.uri ?? '')

export const USES: Record<UseMethod, UseShape> = {
  'tools/call': { kind: 'tool', nameOf: byName, renames: true, requestSchema: CallToolRequestSchema, resultSchema: CallToolResultSchema },
  'prompts/get': { kind: 'prompt', nameOf: byName, renames: true, requestSchema: GetPromptRequestSchema, resultSchema: GetPromptResultSchema },
  'resources/read': { kind: 'resource', nameOf: byUri, renames: false, requestSchema: ReadResourceRequestSchema, resultSchema: ReadResourceResultSchema },
  'resources/subscribe': { kind: 'resource', nameOf: byUri, renames: false, requestSchema: SubscribeRequestSchema, resultSchema: EmptyResultSchema },
  'resources/unsubscribe': { kind: 'resource', nameOf: byUri, renames: false, requestSchema: UnsubscribeRequestSchema, resultSchema: EmptyResultSchema },
}

export function isUseMethod(method: string): method is UseMethod {
  return Object.hasOwn(USES, method)
}

export function useKind(method: UseMethod): 'tool' | 'prompt' | 'resource' {
  return USES[method].kind
}
