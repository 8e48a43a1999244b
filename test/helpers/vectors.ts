// Reads a fixtures/<folder> of JSON vectors, one case per file named after the case. A file with
// a field outside `fields` fails loudly instead of being half-read.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../../src/util/package-root.js'

export function readVectors<T extends { id: string }>(folder: string, fields: readonly string[]): T[] {
  const dir = join(packageRoot(), 'fixtures', folder)
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const body = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>
      const unknown = Object.keys(body).filter((k) => !fields.includes(k))
      if (unknown.length > 0) throw new Error(`fixtures/${folder}/${file}: unknown field(s) ${unknown.join(', ')}`)
      return { id: file.slice(0, -'.json'.length), ...body } as T
    })
}
