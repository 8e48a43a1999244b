// The audit writer. Requests hand it events and await them; everything recorded within one turn
// of the event loop is committed in a single transaction (group commit), so a request waits for
// a commit it shares with its neighbours and never for an fsync of its own (WAL with
// synchronous=NORMAL). A promise resolves only once its row is committed: a response that
// promises a decision was recorded is never sent before it is. A failed commit rejects every
// event of the batch, and the caller answers with an error (fail closed).
import type { AuditEventRow, AuditEventRepository } from '../store/index.js'
import { canonicalJson } from '../util/canonical-json.js'
import { uuid7 } from '../util/uuid7.js'
import { chainHmac, contentSha256 } from './chain.js'
import { assertNoSecretFields, redactTokens, type AuditEvent } from './event.js'

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
  resolve: (recorded: RecordedEvent) => void
  reject: (error: unknown) => void
}

export interface AuditLogOptions {
  /** HMAC-SHA256 key of the chain; at least 32 bytes. */
  hmacKey: Buffer
  now?: () => number
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
   * fingerprint; a field named like a secret throws at once (a programming error).
   */
  record(raw: AuditEvent): Promise<RecordedEvent> {
    assertNoSecretFields(raw)
    const event = redactTokens(raw)
    const occurredAtMs = event.occurredAt?.getTime() ?? this.#now()
    return new Promise((resolve, reject) => {
      const json = { determiningPolicies: canonicalJson(event.determiningPolicies ?? []), diagnostics: canonicalJson(event.diagnostics ?? []), metadata: canonicalJson(event.metadata ?? {}) }
      this.#queue.push({ event, json, id: uuid7(occurredAtMs), occurredAt: new Date(occurredAtMs).toISOString(), resolve, reject })
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

  // Chain heads are read inside the batch's write transaction (one indexed read per zone), never
  // cached across batches: another process (the CLI) may append to the same database.
  #flush(): void {
    const batch = this.#queue
    this.#queue = []
    this.#scheduled = false
    let rows: AuditEventRow[]
    try {
      rows = this.#repo.appendChained((stored) => {
        const heads = new Map<string, { chainSeq: number; contentSha256: string }>()
        return batch.map((p) => {
          const row = this.#row(p, heads.get(p.event.zoneId) ?? stored(p.event.zoneId))
          heads.set(row.zoneId, { chainSeq: row.chainSeq, contentSha256: row.contentSha256 })
          return row
        })
      })
    } catch (error) {
      for (const p of batch) p.reject(error)
      return
    }
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
    const sha = contentSha256(content)
    return {
      ...content,
      chainSeq: head.chainSeq + 1,
      contentSha256: sha,
      prevContentSha256: head.contentSha256,
      chainHmac: chainHmac(this.#key, sha, head.contentSha256),
    }
  }
}
