// The token endpoint's metrics (served at GET /metrics with the proxy's): requests by grant and
// by outcome, `issued` or the error code answered. Both label sets are our own fixed vocabularies
// (grant types we know, contract error codes), never what a client sent.
import type { MetricsRegistry } from '../metrics/index.js'
import { CLIENT_CREDENTIALS_GRANT, TOKEN_EXCHANGE_GRANT } from './params.js'

export type StsMetrics = ReturnType<typeof stsMetrics>

export function stsMetrics(registry: MetricsRegistry) {
  return {
    tokenRequests: registry.counter('caracal_mcp_token_requests_total', 'Token endpoint requests by grant and outcome ("issued", or the error code answered)', ['grant', 'outcome']),
  }
}

/** The grant label of a token request: one we serve, `other` for anything else, `unread` when the body was never read. */
export function grantLabel(grantType: string | undefined): string {
  if (grantType === TOKEN_EXCHANGE_GRANT) return 'token_exchange'
  if (grantType === CLIENT_CREDENTIALS_GRANT) return 'client_credentials'
  return grantType === undefined ? 'unread' : 'other'
}
