// Reading what a tool call gave back, for tests with SDK clients.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { expect } from 'vitest'

/** The text of a result's first content block. */
export function text(result: unknown): string {
  return ((result as CallToolResult).content[0] as { text: string }).text
}

/** The JSON-RPC error a call is answered with; fails the test if it succeeds or fails otherwise. */
export async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<McpError> {
  const error = await client.callTool({ name, arguments: args }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(McpError)
  return error as McpError
}
