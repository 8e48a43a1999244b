// What a mint records before its token exists: the authority record, the jti, and on an approved
// retry the approval's consumption. Mints made within one turn of the event loop commit together
// in one transaction, each inside its own savepoint, so one mint's failure (a jti collision, an
// approval another request consumed first) undoes only its own rows. A mint waits for the commit
// it shares with its neighbours, never for one of its own: under load that is one commit per turn
// instead of one per exchange. The token is signed only after its rows are committed.
import type { AuthorityRecordRow, Store } from '../store/index.js'

export interface LedgerEntry {
  /** Absent on a re-issue, which stands on an existing record. */
  record?: AuthorityRecordRow
  jti: { jti: string; zoneId: string; expiresAtMs: number }
  consumeApproval?: { id: string; recordId: string; nowMs: number }
  /** A single-use mandate presented as subject: its one use, recorded with the mint. */
  consumePresented?: { jti: string; zoneId: string; expiresAtMs: number }
  /**
   * The agent session the record is bound to must still be active when the rows commit: a
   * suspension or termination between the liveness check and the commit wins.
   */
  requireActiveSession?: string
}

/** The jti was issued before: the mint must not proceed. */
export class JtiCollisionError extends Error {
  constructor(readonly jti: string) {
    super(`jti ${jti} collided`)
  }
}

/** The approval is no longer approved (another request consumed it). */
export class ApprovalLostError extends Error {}

/** The single-use mandate was presented before. */
export class ReplayError extends Error {}

/** The session stopped being active before the mint committed. */
export class SessionGoneError extends Error {}

interface Pending {
  entry: LedgerEntry
  resolve: () => void
  reject: (error: unknown) => void
}

export class MintLedger {
  readonly #store: Store
  #queue: Pending[] = []
  #scheduled = false

  constructor(store: Store) {
    this.#store = store
  }

  /** Resolves once the entry is committed; rejects with the entry's own failure. */
  commit(entry: LedgerEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ entry, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush(): void {
    const batch = this.#queue
    this.#queue = []
    this.#scheduled = false
    const store = this.#store
    const failures = new Map<Pending, unknown>()
    const one = (e: LedgerEntry) => store.transaction(() => {
      if (e.requireActiveSession !== undefined && store.agentSessions.statusOf(e.requireActiveSession) !== 'active') throw new SessionGoneError()
      if (e.consumePresented && !store.issuedJtis.markPresented(e.consumePresented.jti, e.consumePresented.zoneId, e.consumePresented.expiresAtMs)) throw new ReplayError()
      if (e.record) store.authorityRecords.create(e.record)
      if (e.consumeApproval && !store.approvals.consume(e.consumeApproval.id, e.consumeApproval.recordId, e.consumeApproval.nowMs)) throw new ApprovalLostError()
      if (!store.issuedJtis.register(e.jti.jti, e.jti.zoneId, e.jti.expiresAtMs)) throw new JtiCollisionError(e.jti.jti)
    })
    try {
      store.transaction(() => {
        for (const p of batch) {
          try {
            one(p.entry) // nested: a savepoint, rolled back alone if it throws
          } catch (error) {
            failures.set(p, error)
          }
        }
      })
    } catch (error) {
      for (const p of batch) p.reject(error)
      return
    }
    for (const p of batch) {
      const failure = failures.get(p)
      if (failure === undefined) p.resolve()
      else p.reject(failure)
    }
  }
}
