// The guards that keep tokens and secrets out of audit rows: a field named like a secret is
// refused (a programming error, caught in tests), and a value that looks like a token or one of
// the product's own secrets is replaced by its fingerprint (callers' values may be anything).
import { tokenFingerprint } from './fingerprint.js'

const JWT_LIKE = /eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\./
/** Client secrets (`cmcs_`, application/secret.ts) and development admin tokens (`cmat_`, config/secrets.ts): 32 random bytes, base64url. */
const PRODUCT_SECRET = /cm(?:cs|at)_[A-Za-z0-9_-]{20,}/

// A cheap first look, so the common key (application_id, resource) costs one regex test.
const MAYBE_SECRET_KEY = /secret|passw|passphrase|private|api.?key|token|authorization|cookie/i

/**
 * Whether a field name says it holds a secret, however it is spelled: `client_secret`,
 * `clientSecret`, `access_token`, `accessToken`, `x-api-key`, `Proxy-Authorization`, `Set-Cookie`.
 * Names that merely mention a token (`token_type`, `subject_token_type`) are not secrets.
 */
export function isSecretKey(key: string): boolean {
  if (!MAYBE_SECRET_KEY.test(key)) return false
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)
  const joined = words.join('')
  if (/secret|password|passwd|passphrase|privatekey|apikey/.test(joined)) return true
  if (words.at(-1) === 'token') return true
  return /^(proxy)?authorization$|^(set)?cookies?$/.test(joined)
}

/**
 * Throws when an event has a field named like a secret: a programming error, caught in tests,
 * never a row that leaks.
 */
export function assertNoSecretFields(value: unknown, path = 'event'): void {
  const at = secretFieldPath(value)
  if (at !== undefined) throw new TypeError(`${path}${at} may hold a secret; audit events never carry one`)
}

/** Where the first field named like a secret is (`.a[2].b`); the path is built only for it. */
function secretFieldPath(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = secretFieldPath(value[i])
      if (at !== undefined) return `[${i}]${at}`
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key]
      if (isSecretKey(key) && v !== undefined && v !== null && v !== '') return `.${key}`
      const at = secretFieldPath(v)
      if (at !== undefined) return `.${key}${at}`
    }
  }
  return undefined
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function redactedString(value: string): string {
  if (JWT_LIKE.test(value)) return `[token ${tokenFingerprint(value)}]`
  if (PRODUCT_SECRET.test(value)) return `[secret ${tokenFingerprint(value)}]`
  return value
}

/**
 * Replaces every string that looks like a token or a secret of ours with its fingerprint. Values
 * a caller sent (a resource, a scope) may be anything, and the row must still be written, without
 * the token.
 */
export function redactTokens<T>(value: T): T {
  if (typeof value === 'string') return redactedString(value) as T
  // Copied only where something was replaced: most rows hold no token, and are kept as they are.
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const v = redactTokens(value[i])
      if (v !== value[i]) (copy ??= [...value])[i] = v
    }
    return (copy ?? value) as T
  }
  // Only plain objects are walked (and copied): anything else is left for canonical JSON to refuse.
  if (typeof value === 'object' && value !== null && isPlainObject(value)) {
    let copy: Record<string, unknown> | undefined
    for (const key of Object.keys(value)) {
      const original = (value as Record<string, unknown>)[key]
      const v = redactTokens(original)
      if (v !== original) (copy ??= { ...(value as Record<string, unknown>) })[key] = v
    }
    return (copy ?? value) as T
  }
  return value
}
