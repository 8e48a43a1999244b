// An AbortController that follows a parent signal (aborted with the parent's reason, at once if
// the parent already is) until released. For work that must stop when its caller gives up, but
// whose own signal must not keep a listener on a long-lived parent, or be aborted by it, once
// the work is over.
export function childSignal(parent: AbortSignal | undefined): { controller: AbortController; release: () => void } {
  const controller = new AbortController()
  if (!parent) return { controller, release: () => {} }
  const onAbort = () => controller.abort(parent.reason)
  if (parent.aborted) controller.abort(parent.reason)
  else parent.addEventListener('abort', onAbort, { once: true })
  return { controller, release: () => parent.removeEventListener('abort', onAbort) }
}
