// Idempotency keys of the Coordinator's creating requests: per zone and caller, the key, what it
// was used for (operation and the SHA-256 of the canonical body) and the response to replay. A
// key is reserved with one atomic insert before the create runs (status 0: in flight), so two
// requests racing on one key never both create; the response is filled in after a 2xx outcome.
import type { Db } from './db.js'

/** `response_status` of a reserved key whose request has not finished. */
export const IDEMPOTENCY_IN_FLIGHT = 0

export interface IdempotencyKeyRow {
  zoneId: string
  caller: string
  key: string
  operation: string
  requestSha256: string
  /** `IDEMPOTENCY_IN_FLIGHT` until the response is stored. */
  responseStatus: number
  responseJson: string
  createdAt: number
}

export interface IdempotencyKeyId {
  zoneId: string
  caller: string
  key: string
}

const COLUMNS = `zone_id AS zoneId, caller, key, operation, request_sha256 AS requestSha256, response_status AS responseStatus,
  response_json AS responseJson, created_at AS createdAt`

export class IdempotencyKeyRepository {
  readonly #reserve
  readonly #get
  readonly #complete
  readonly #release
  readonly #takeOver
  readonly #purge

  constructor(db: Db) {
    this.#reserve = db.prepare(
      `INSERT INTO idempotency_keys (zone_id, caller, key, operation, request_sha256, response_status, response_json, created_at)
       VALUES (@zoneId, @caller, @key, @operation, @requestSha256, ${IDEMPOTENCY_IN_FLIGHT}, '', @createdAt)
       ON CONFLICT (zone_id, caller, key) DO NOTHING`,
    )
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM idempotency_keys WHERE zone_id = ? AND caller = ? AND key = ?`)
    this.#complete = db.prepare(
      `UPDATE idempotency_keys SET response_status = @status, response_json = @json
       WHERE zone_id = @zoneId AND caller = @caller AND key = @key AND response_status = ${IDEMPOTENCY_IN_FLIGHT}`,
    )
    this.#release = db.prepare(`DELETE FROM idempotency_keys WHERE zone_id = @zoneId AND caller = @caller AND key = @key AND response_status = ${IDEMPOTENCY_IN_FLIGHT}`)
    this.#takeOver = db.prepare(
      `UPDATE idempotency_keys SET created_at = @nowMs
       WHERE zone_id = @zoneId AND caller = @caller AND key = @key AND response_status = ${IDEMPOTENCY_IN_FLIGHT} AND created_at <= @staleBefore`,
    )
    this.#purge = db.prepare('DELETE FROM idempotency_keys WHERE created_at <= ?')
  }

  /** Reserves the key for a request about to run; false when the key is taken (read it with `get`). */
  reserve(row: IdempotencyKeyId & { operation: string; requestSha256: string; createdAt: number }): boolean {
    return this.#reserve.run(row).changes === 1
  }

  get(id: IdempotencyKeyId): IdempotencyKeyRow | undefined {
    return this.#get.get(id.zoneId, id.caller, id.key) as IdempotencyKeyRow | undefined
  }

  /** Stores the response of the reserved key's request; false when it was not reserved (in flight). */
  complete(id: IdempotencyKeyId, status: number, json: string): boolean {
    if (status === IDEMPOTENCY_IN_FLIGHT) throw new TypeError('a stored response has an HTTP status')
    return this.#complete.run({ ...id, status, json }).changes === 1
  }

  /** Forgets a reservation whose request did not succeed, so a retry runs again. */
  release(id: IdempotencyKeyId): void {
    this.#release.run(id)
  }

  /** Claims a reservation left in flight since `staleBefore` or earlier (its process died); false when another claim won. */
  takeOver(id: IdempotencyKeyId, staleBefore: number, nowMs: number): boolean {
    return this.#takeOver.run({ ...id, staleBefore, nowMs }).changes === 1
  }

  /** Forgets keys created at or before `cutoffMs`; returns how many. */
  purgeCreatedBefore(cutoffMs: number): number {
    return this.#purge.run(cutoffMs).changes
  }
}
