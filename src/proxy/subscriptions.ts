// What one downstream session may hold subscribed. Each subscription is kept for the session's
// life (every update is checked against what governs it), so a client granted a URI pattern
// could otherwise grow the proxy's memory without bound, one URI at a time, each as long as a
// request body allows.
export const MAX_SUBSCRIPTIONS_PER_SESSION = 256
export const MAX_SUBSCRIBED_URI_LENGTH = 4096

/** Why the session may not subscribe to `uri` as well, or undefined when it may (a URI it holds already is no new one). */
export function subscriptionRefusal(held: ReadonlyMap<string, unknown>, uri: string): string | undefined {
  if (held.has(uri)) return undefined
  if (uri.length > MAX_SUBSCRIBED_URI_LENGTH) return `a subscribed URI is at most ${MAX_SUBSCRIBED_URI_LENGTH} characters`
  if (held.size >= MAX_SUBSCRIPTIONS_PER_SESSION) return `a session holds at most ${MAX_SUBSCRIPTIONS_PER_SESSION} subscriptions; unsubscribe from one first`
  return undefined
}
