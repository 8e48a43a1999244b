// Reads an application/x-www-form-urlencoded body strictly: malformed percent-encoding or UTF-8
// is an error (not a silently mangled value), and every field but `resource` may appear once.
import { TokenRequestInvalidError } from './errors.js'

const REPEATABLE = new Set(['resource'])

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '))
  } catch {
    throw new TokenRequestInvalidError('malformed form body')
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

export function parseTokenForm(body: Buffer): Map<string, string[]> {
  let text: string
  try {
    text = UTF8.decode(body)
  } catch {
    throw new TokenRequestInvalidError('malformed form body')
  }
  const fields = new Map<string, string[]>()
  if (text === '') return fields
  for (const pair of text.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = decode(eq < 0 ? pair : pair.slice(0, eq))
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1))
    const values = fields.get(name)
    if (values && !REPEATABLE.has(name)) throw new TokenRequestInvalidError(`duplicate form field: ${name.slice(0, 64)}`)
    if (values) values.push(value)
    else fields.set(name, [value])
  }
  return fields
}
