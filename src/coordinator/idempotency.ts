// Idempotent creates (contract §5.2 step 6): a creating POST may carry `Idempotency-Key`. The same
// caller sending the same key for the same operation and body gets the first response again
// (same status and JSON) while what it created still stands (else 409 idempotency_result_inactive);
// the same key with another operation or body is 409 idempotency_key_conflict. The key is reserved with one atomic insert before the create runs,
// so concurrent requests with one key never both create: the later one is told to retry, then
// replays. Only 2xx outcomes are kept; a refused create releases its key. Keys live 24 h and
// are purged on write.
//
// The window left open: the create and the stored response are two commits (the domain's
// operations commit and audit on their own; they offer no way to write the response inside their
// transaction). A process that dies between them leaves the key reserved without a response;
// once that reservation is ABANDONED_AFTER_MS old, a retry takes it over and creates again.
import { sha256Hex } from '../util/sha256.js'
import { IDEMPOTENCY_IN_FLIGHT, type IdempotencyKeyId, type Store } from '../store/index.js'
import { canonicalJson } from '../util/canonical-json.js'
import { IdempotencyConflictError, IdempotencyKeyInvalidError, IdempotencyResultInactiveError } from './errors.js'

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key'
export const IDEMPOTENCY_REPLAYED_HEADER = 'Idempotency-Replayed'
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000
/** A reservation in flight for this long belongs to a process that died. Creates take milliseconds. */
export const ABANDONED_AFTER_MS = 60_000
const KEY = /^[\x21-\x7e]{1,255}$/

export interface CreateOutcome {
  status: number
  json: unknown
}

export interface IdempotentRequest {
  zoneId: string
  /** Whose keyspace: the calling application. */
  caller: string
  /** What the key is used for (`create_session`, `create_delegation`). */
  operation: string
  /** The header's value, absent when the request carries none. */
  key: string | undefined
  /** The JSON body as received. */
  body: unknown
  nowMs: number
  /** Whether what a kept response created still stands; a replay of one that ended is refused. */
  stillActive: (created: unknown) => boolean
}

export async function idempotentCreate(store: Store, request: IdempotentRequest, create: () => Promise<CreateOutcome>): Promise<CreateOutcome & { replayed: boolean }> {
  if (request.key === undefined) return { ...(await create()), replayed: false }
  if (!KEY.test(request.key)) throw new IdempotencyKeyInvalidError()
  const id: IdempotencyKeyId = { zoneId: request.zoneId, caller: request.caller, key: request.key }
  const requestSha256 = sha256Hex(canonicalJson(request.body ?? {}))
  const keys = store.idempotencyKeys
  keys.purgeCreatedBefore(request.nowMs - IDEMPOTENCY_TTL_MS)
  const replay = reserve(store, id, request.operation, requestSha256, request.nowMs)
  if (replay) {
    if (!request.stillActive(replay.json)) throw new IdempotencyResultInactiveError()
    return { ...replay, replayed: true }
  }
  let outcome: CreateOutcome
  try {
    outcome = await create()
  } catch (error) {
    releaseQuietly(store, id)
    throw error
  }
  if (outcome.status >= 200 && outcome.status < 300) keys.complete(id, outcome.status, JSON.stringify(outcome.json))
  else releaseQuietly(store, id)
  return { ...outcome, replayed: false }
}

/** Reserves the key for this request, or answers with what the key already holds. */
function reserve(store: Store, id: IdempotencyKeyId, operation: string, requestSha256: string, nowMs: number): CreateOutcome | undefined {
  const keys = store.idempotencyKeys
  // A second attempt covers a key released (its request failed) between our insert and our read.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (keys.reserve({ ...id, operation, requestSha256, createdAt: nowMs })) return undefined
    const held = keys.get(id)
    if (held === undefined) continue
    if (held.operation !== operation || held.requestSha256 !== requestSha256) throw new IdempotencyConflictError(false)
    if (held.responseStatus !== IDEMPOTENCY_IN_FLIGHT) return { status: held.responseStatus, json: JSON.parse(held.responseJson) }
    if (keys.takeOver(id, nowMs - ABANDONED_AFTER_MS, nowMs)) return undefined
    throw new IdempotencyConflictError(true)
  }
  throw new IdempotencyConflictError(true)
}

/** A failed release leaves a reservation that is taken over once abandoned; the create's own error matters more. */
function releaseQuietly(store: Store, id: IdempotencyKeyId): void {
  try {
    store.idempotencyKeys.release(id)
  } catch {
    // The store is failing; the reservation expires on its own.
  }
}
