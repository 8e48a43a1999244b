/**
 * @module coordinator
 * The Coordinator (SPEC §3): agent sessions and delegation edges over HTTP for the applications
 * themselves, under /zones/{zoneId}. The bearer is the calling application's bootstrap mandate
 * (`use=session`, scope `agent:lifecycle`); every action is taken for that application: start or
 * spawn its sessions, suspend, resume, terminate them; create edges from them, accept edges
 * into them, revoke edges it is a party to. Creating POSTs honour `Idempotency-Key`. The rules
 * (narrowing, cycles, depth, TTL, hops, cascades) are the sessions and delegation modules'.
 *
 * Must: verify the bearer (signature, issuer, audience, the path's zone, expiry, scope) and bind
 * it to a live authority record before reading anything else; show sessions and edges of other
 * applications as absent (404); answer with Caracal's codes and statuses; audit through the
 * domain under the request's id. Must not: decide a delegation or spawn rule itself, let an
 * application create an edge bound to no resource, write SQL, or put a token in a response,
 * error or log line.
 */
export { COORDINATOR_ZONE_PATH, createCoordinatorRouter, type CoordinatorRouterDeps } from './router.js'
export { type Caller, authenticateCaller } from './caller.js'
export { ABANDONED_AFTER_MS, IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_REPLAYED_HEADER, IDEMPOTENCY_TTL_MS } from './idempotency.js'
export { CoordinatorScopeError, CoordinatorUnauthorizedError, IdempotencyConflictError, IdempotencyKeyInvalidError } from './errors.js'
