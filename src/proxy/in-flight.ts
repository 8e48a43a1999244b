// Upstream calls in flight, indexed by the revocation anchors they stand under, so that a
// revocation reaching this process cancels them (the upstream is told, and the caller gets an
// error) instead of letting authority that no longer exists finish its work.

/** The reason an in-flight call was aborted because its authority was revoked. */
export class RevokedDuringCallError extends Error {
  constructor(readonly anchor: string) {
    super('authority revoked during the call')
    this.name = 'RevokedDuringCallError'
  }
}

export class InFlightCalls {
  readonly #byAnchor = new Map<string, Set<AbortController>>()

  /** Registers a call; the returned function unregisters it (call it when the call settles). */
  add(anchors: readonly string[], controller: AbortController): () => void {
    for (const anchor of anchors) {
      let set = this.#byAnchor.get(anchor)
      if (!set) this.#byAnchor.set(anchor, (set = new Set()))
      set.add(controller)
    }
    return () => {
      for (const anchor of anchors) {
        const set = this.#byAnchor.get(anchor)
        set?.delete(controller)
        if (set?.size === 0) this.#byAnchor.delete(anchor)
      }
    }
  }

  /** Aborts every call under one of the anchors; returns how many were aborted. */
  abort(anchors: readonly string[]): number {
    let aborted = 0
    for (const anchor of anchors) {
      for (const controller of this.#byAnchor.get(anchor) ?? []) {
        if (controller.signal.aborted) continue
        controller.abort(new RevokedDuringCallError(anchor))
        aborted++
      }
    }
    return aborted
  }
}
