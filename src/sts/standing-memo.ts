// What the proxy's per-request check found of a presented agent mandate's live authority
// (application, records, revocations, session lineage), kept while it is certain to be found again:
// the store has not changed since (Store#changeMark: no other process committed, this one wrote
// nothing but audit rows) and no deadline it depends on has passed. Reading that state cost every
// tool call a read transaction and half a dozen queries, more than the rest of the check; a
// memo that any write anywhere invalidates answers exactly what the reads would. Gateway mandates
// are never kept: each is spent on its first use.
import type { VerifiedMandate } from '../mandate/index.js'
import type { AgentSessionRow } from '../store/index.js'

const DEFAULT_MAX_ENTRIES = 10_000

export interface HeldStanding {
  presented: VerifiedMandate
  session: AgentSessionRow
}

interface Entry extends HeldStanding {
  mark: string
  /** Checked at this time; valid up to (not including) `until`. */
  checkedAt: number
  until: number
}

export class StandingMemo {
  readonly #entries = new Map<string, Entry>()
  readonly #max: number

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#max = maxEntries
  }

  /** What was found for `token`, if the store is as it was then (`mark`) and nothing has expired. */
  get(token: string, mark: string, nowMs: number): HeldStanding | undefined {
    const entry = this.#entries.get(token)
    if (!entry) return undefined
    // A clock that went back is not trusted with what was true later.
    if (entry.mark === mark && nowMs >= entry.checkedAt && nowMs < entry.until) return entry
    this.#entries.delete(token)
    return undefined
  }

  /** `mark` must be taken before the reads that found this: a change during them then invalidates it. */
  set(token: string, found: HeldStanding & { until: number }, mark: string, nowMs: number): void {
    if (found.presented.use === 'gateway' || found.until <= nowMs) return
    this.#entries.delete(token)
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!)
    this.#entries.set(token, { presented: found.presented, session: found.session, mark, checkedAt: nowMs, until: found.until })
  }
}
