// Canonical JSON: object keys sorted at every depth, no whitespace. Equal values give equal
// bytes, which is what content hashes (policy versions, audit rows) need. Written as loops over
// one growing string: it runs for every audit row (three times), and the map/filter/join form
// made an array and a template string per key.

export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no representation for a non-finite number')
      return JSON.stringify(value)
    case 'object': {
      if (value === null) return 'null'
      if (Array.isArray(value)) {
        let out = '['
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i])
        return `${out}]`
      }
      const record = value as Record<string, unknown>
      let out = '{'
      let first = true
      for (const key of Object.keys(record).sort()) {
        const item = record[key]
        if (item === undefined) continue
        out += (first ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(item)
        first = false
      }
      return `${out}}`
    }
    default:
      throw new TypeError(`canonical JSON has no representation for a ${typeof value}`)
  }
}
