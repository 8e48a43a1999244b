// The directory of this package's package.json, found from the running file, so that committed
// assets (policies/, fixtures/) resolve the same from src/ under vitest and from dist/ under node.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

export function packageRoot(): string {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new TypeError('caracal-mcp: package.json not found above the running file')
    dir = parent
  }
  cached = dir
  return dir
}
