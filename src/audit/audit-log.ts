// The audit writer. Requests hand it events and await them; everything recorded within one turn
// of the event loop is committed in a single transaction (group commit), so a request waits for
// a commit it shares with its neighbours and never for an fsync of its own (WAL with
// synchronous=NORMAL). A promise resolves only once its row is committed: a response that
// promises a decision was recorded is never sent before it is. An event that cannot be written
// rejects its own promise only; a commit that fails for the whole database (disk, lock) rejects
// every event of the batch, and the caller answers with an error (fail closed).
import type { AuditEventRow, AuditEventRepository } from '../store/index.js'
import { canonicalJson } from '../util/canonical-json.js'
import { uuid7 } from '../util/uuid7.js'
import { chainHmac, contentSha256, msToNanos, storedOccurredAt } from './chain.js'
import { checkedEvent, type AuditEvent } from './event.js'
import { assertNoSecretFields, redactTokens } from './secret-guard.js'

export interface RecordedEvent {
  id: string
  zoneId: string
  chainSeq: number
}

interface Pending {
  event: AuditEvent
  /** The JSON columns, serialized when recorded: the row is what the event was then, whatever happens to its objects after. */
  json: { determiningPolicies: string; diagnostics: string; metadata: string }
  id: string
  occurredAt: string
  /** The same time in nanoseconds, for the content hash. */
  nanos: string
  resolve: (recorded: RecordedEvent) => void
  reject: (error: unknown) => void
}

export interface AuditLogOptions {
  /** HMAC-SHA256 key of the chain; at least 32 bytes. */
  hmacKey: Buffer
  now?: () => number
}

/** A JSON column; a value canonical JSON refuses is named with the field it is in. */
function column(field: string, value: unknown): string {
  try {
    return canonicalJson(value)
  } catch (error) {
    throw error instanceof TypeError ? new TypeError(`event.${field}: ${error.message}`) : error
  }
}

export class AuditLog {
  readonly #repo: AuditEventRepository
  readonly #key: Buffer
  readonly #now: () => number
  #queue: Pending[] = []
  #scheduled = false
  #idle: Promise<void> = Promise.resolve()

  constructor(repo: AuditEventRepository, options: AuditLogOptions) {
    if (options.hmacKey.length < 32) throw new TypeError('the audit HMAC key must be at least 32 bytes')
    this.#repo = repo
    this.#key = options.hmacKey
    this.#now = options.now ?? Date.now
  }

  /**
   * Records an event; resolves once it is committed. Token-like strings are replaced by their
   * fingerprint. An event that cannot be written (a missing field, a field named like a secret,
   * a value JSON cannot hold) rejects this promise with a TypeError and nothing else: it never
   * throws synchronously, and never fails the events recorded beside it.
   */
  record(raw: AuditEvent): Promise<RecordedEvent> {
    let prepared: Omit<Pending, 'resolve' | 'reject'>
    try {
      prepared = this.#prepare(raw)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...prepared, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        this.#idle = new Promise((done) => setImmediate(() => done(this.#flush())))
      }
    })
  }

  /** Resolves when every event recorded so far has been committed or rejected. */
  async flushed(): Promise<void> {
    while (this.#scheduled) await this.#idle
  }

  #prepare(raw: AuditEvent): Omit<Pending, 'resolve' | 'reject'> {
    assertNoSecretFields(raw)
    const event = redactTokens(checkedEvent(raw))
    // Whole ms, as a Date keeps them: the hash's nanoseconds are those of the stored time.
    const occurredAtMs = Math.trunc(event.occurredAt?.getTime() ?? this.#now())
    const json = { determiningPolicies: column('determiningPolicies', event.determiningPolicies ?? []), diagnostics: column('diagnostics', event.diagnostics ?? []), metadata: column('metadata', event.metadata ?? {}) }
    return { event, json, id: uuid7(occurredAtMs), occurredAt: storedOccurredAt(occurredAtMs), nanos: msToNanos(occurredAtMs) }
  }

  #flush(): void {
    const batch = this.#queue
    this.#queue = []
    this.#scheduled = false
    try {
      this.#commit(batch)
    } catch (error) {
      // A failure of the database itself (disk, lock) would meet every row again: retrying them
      // one by one would only wait out the busy timeout once per row.
      if (batch.length === 1 || this.#repo.failsEveryRow(error)) {
        for (const p of batch) p.reject(error)
        return
      }
      // A row the database refused fails only its own request: the others are committed one by
      // one, in the order they were recorded, so the chain keeps that order.
      for (const p of batch) {
        try {
          this.#commit([p])
        } catch (rowError) {
          p.reject(rowError)
        }
      }
    }
  }

  // Chain heads are read inside the batch's write transaction, where another process (the CLI)
  // appending to the same database cannot interleave; the repository reads them again only when
  // another connection has committed since its own last append.
  #commit(batch: readonly Pending[]): void {
    const rows = this.#repo.appendChained((stored) => {
      const heads = new Map<string, { chainSeq: number; contentSha256: string }>()
      return batch.map((p) => {
        const row = this.#row(p, heads.get(p.event.zoneId) ?? stored(p.event.zoneId))
        heads.set(row.zoneId, { chainSeq: row.chainSeq, contentSha256: row.contentSha256 })
        return row
      })
    })
    rows.forEach((row, i) => batch[i]!.resolve({ id: row.id, zoneId: row.zoneId, chainSeq: row.chainSeq }))
  }

  #row(p: Pending, head: { chainSeq: number; contentSha256: string }): AuditEventRow {
    const e = p.event
    const content = {
      id: p.id,
      zoneId: e.zoneId,
      eventType: e.eventType,
      requestId: e.requestId,
      decision: e.decision,
      policySetId: e.policySetId ?? '',
      policySetVersionId: e.policySetVersionId ?? '',
      manifestSha: e.manifestSha ?? '',
      evaluationStatus: e.evaluationStatus,
      determiningPoliciesJson: p.json.determiningPolicies,
      diagnosticsJson: p.json.diagnostics,
      metadataJson: p.json.metadata,
      occurredAt: p.occurredAt,
    }
    const sha = contentSha256(content, p.nanos)
    return {
      ...content,
      chainSeq: head.chainSeq + 1,
      contentSha256: sha,
      prevContentSha256: head.contentSha256,
      chainHmac: chainHmac(this.#key, sha, head.contentSha256),
    }
  }
}
