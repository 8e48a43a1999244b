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
export { StsError } from './errors.js'
export { DEFAULT_MINTS_PER_MINUTE, MintRateLimiter } from './mint-rate.js'
export { ACCESS_TOKEN_TYPE, ID_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT, readTokenRequest, type TokenRequest } from './params.js'
export { parseTokenForm } from './form.js'
export { JWKS_PATH, TOKEN_PATH, createStsRouter, type StsRouterDeps } from './router.js'
export { DEFAULT_TTL_SECONDS, SESSION_TTL_CAP_SECONDS, TokenExchange, type TokenExchangeDeps, type TokenResponse } from './token-exchange.js'
