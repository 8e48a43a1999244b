/**
 * @module sts
 * The Security Token Service: the token endpoint (RFC 8693 framing, Caracal's fields and
 * answers) and the per-zone JWKS.
 *
 * Must: authenticate the application before anything else is believed; decide every requested
 * resource with policy and audit each decision before answering; answer with Caracal's codes and
 * statuses; never echo a secret or token in an error. Must not: mint anything policy did not allow.
 */
export { AuthFailureLimiter, DEFAULT_FAILURE_LIMITS, type FailureLimits } from './auth-failures.js'
export { ApprovalRequiredError, DelegationReferenceError, ExchangeDeniedError, StsError, TokenReplayedError } from './errors.js'
export { DEFAULT_MINTS_PER_MINUTE, MintRateLimiter } from './mint-rate.js'
export {
  ACCESS_TOKEN_TYPE,
  CLIENT_CREDENTIALS_GRANT,
  ID_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
  readClientCredentialsRequest,
  readTokenRequest,
  type ClientCredentialsRequest,
  type TokenRequest,
} from './params.js'
export { type Acting } from './resource-decision.js'
export { holdBinding, REISSUE_WINDOW_MS } from './step-up-gate.js'
export { parseTokenForm } from './form.js'
export { JWKS_PATH, TOKEN_PATH, createStsRouter, type StsRouterDeps } from './router.js'
export {
  DEFAULT_TTL_SECONDS,
  RESOURCE_TTL_CAP_SECONDS,
  SESSION_TTL_CAP_SECONDS,
  TokenExchange,
  type ResourceExchangeRequest,
  type TokenExchangeDeps,
  type TokenResponse,
} from './token-exchange.js'
export { stsMetrics, type StsMetrics } from './sts-metrics.js'
