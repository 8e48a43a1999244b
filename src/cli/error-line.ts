// How the CLI reports a failure it raised on purpose: one line with the stable code, so that a
// script can match on the code rather than on wording that may change.
import type { CaracalMcpError } from '../errors.js'
import { withoutTokens } from './log-lines.js'

/**
 * `caracal-mcp: <code>: <message>`, with the wire code beside ours where the error has one (the
 * Coordinator's `self_delegation_denied`, an OAuth `invalid_grant`): what a script matches on,
 * and what the same failure answers over HTTP. A token is never echoed, even inside a message.
 */
export function errorLine(error: CaracalMcpError): string {
  const wireCode = (error as { wireCode?: unknown }).wireCode
  return withoutTokens(`caracal-mcp: ${error.code}${typeof wireCode === 'string' ? ` (${wireCode})` : ''}: ${error.message}`)
}
