/**
 * @module federation
 * Federated users: verifies OpenID Connect id_tokens from the issuers a zone trusts, for the STS
 * to accept as a `subject_token` of type id_token.
 *
 * Must: choose the issuer, its keys, algorithms and audience from configuration only (the token's
 * unverified `iss` merely selects among configured issuers, compared exactly); accept asymmetric
 * algorithms only; keep one cached JWK Set per issuer; tell a bad token (401) from keys that
 * cannot be fetched (503). Must not: import express or the store; put a token or its claims in
 * an error message; fetch anything but a configured jwksUri.
 */
export {
  IdTokenVerifier,
  MAX_ID_TOKEN_BYTES,
  MAX_SUBJECT_BYTES,
  DEFAULT_FEDERATION_ALGORITHMS,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_FEDERATION_CLOCK_TOLERANCE_SECONDS,
  type TrustedIssuer,
  type IdTokenVerifierOptions,
  type FederatedIdentity,
  type FederationAlgorithm,
} from './id-token-verifier.js'
export { FederatedTokenInvalidError, FederationUnavailableError } from './errors.js'
