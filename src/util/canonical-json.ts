// Canonical JSON: object keys sorted at every depth, no whitespace. Equal values give equal
// bytes, which is what content hashes (policy versions, audit rows) need. Written as loops over
// one growing string: it runs for every audit row (three times), and the map/filter/join form
// made an array and a template string per key.
//
// Only JSON's own values are accepted: null, booleans, finite numbers, strings, arrays and plain
// objects. Anything else (a Date, a Map, a class instance, undefined in an array) throws a
// TypeError naming its path: JSON.stringify would quietly turn it into {} or null, and a hash over
// that would vouch for data the caller never meant. An undefined object member is left out, as
// JSON.stringify does.

/** Carries the path of an unrepresentable value up to the top, where it becomes the message. */
class Unrepresentable {
  readonly path: string[] = []
  constructor(readonly what: string) {}
}

export function canonicalJson(value: unknown): string {
  try {
    return write(value)
  } catch (error) {
    if (!(error instanceof Unrepresentable)) throw error
    throw new TypeError(`canonical JSON has no representation for ${error.what} at $${error.path.reverse().join('')}`)
  }
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'number') return 'a non-finite number'
  if (typeof value !== 'object' || value === null) return `a ${typeof value}`
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object that is not a plain object'
}

// The path is built only on the way out of a failure (each level adds its step as the error
// passes), so the common case pays nothing for it.
function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new Unrepresentable(describe(value))
      return JSON.stringify(value)
    case 'object': {
      if (value === null) return 'null'
      if (Array.isArray(value)) {
        let out = '['
        for (let i = 0; i < value.length; i++) {
          try {
            out += (i === 0 ? '' : ',') + write(value[i])
          } catch (error) {
            if (error instanceof Unrepresentable) error.path.push(`[${i}]`)
            throw error
          }
        }
        return `${out}]`
      }
      if (!isPlainObject(value)) throw new Unrepresentable(describe(value))
      const record = value as Record<string, unknown>
      let out = '{'
      let first = true
      for (const key of Object.keys(record).sort()) {
        const item = record[key]
        if (item === undefined) continue
        try {
          out += (first ? '' : ',') + JSON.stringify(key) + ':' + write(item)
        } catch (error) {
          if (error instanceof Unrepresentable) error.path.push(/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`)
          throw error
        }
        first = false
      }
      return `${out}}`
    }
    default:
      throw new Unrepresentable(describe(value))
  }
}
