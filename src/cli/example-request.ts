// The example request format of fixtures/requests (an input with its zone and entrypoint name),
// shared by `start`, which decides them all, and `policy eval`, which decides one.
import { ENTRYPOINTS, type Entrypoint } from '../policy/index.js'

export const ENTRYPOINT_NAMES: Record<string, Entrypoint> = { exchange: ENTRYPOINTS.exchange, tool_call: ENTRYPOINTS.toolCall }

export interface ExampleRequest {
  description?: string
  zone?: string
  entrypoint?: string
  input: unknown
}

/** A parsed document is an example request when it wraps an input rather than being one. */
export function isExampleRequest(value: unknown): value is ExampleRequest {
  return typeof value === 'object' && value !== null && !('schema_version' in value) && 'input' in value
}
