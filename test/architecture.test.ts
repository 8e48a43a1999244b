// Enforces the layering of src/ by reading the source, so a convenient shortcut cannot quietly
// erode it: modules reach each other only through index.ts, the policy engine stays free of
// wire, network and storage concerns, express stays at the HTTP edges, and file names are
// kebab-case. Rules for modules that do not exist yet hold already.
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packageRoot } from '../src/util/package-root.js'

const src = join(packageRoot(), 'src')

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
}

const files = walk(src).map((path) => ({ path: relative(src, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }))

function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/g), ...text.matchAll(/(?:^|\n)\s*import\s+'([^']+)'/g), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!)
}

/** The top-level module of a src-relative path: `policy/engine.ts` → `policy`; root files → the file. */
const moduleOf = (path: string) => path.split('/')[0]!

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined
  const parts = from.split('/').slice(0, -1)
  for (const piece of spec.split('/')) {
    if (piece === '..') parts.pop()
    else if (piece !== '.') parts.push(piece)
  }
  return parts.join('/').replace(/\.js$/, '.ts')
}

describe('architecture of src/', () => {
  it('names files in kebab-case', () => {
    const bad = files.filter((f) => !/^[a-z0-9]+(-[a-z0-9]+)*(\/[a-z0-9]+(-[a-z0-9]+)*)*\.ts$/.test(f.path))
    expect(bad.map((f) => f.path)).toEqual([])
  })

  it('never uses export *', () => {
    expect(files.filter((f) => /export \*/.test(f.text)).map((f) => f.path)).toEqual([])
  })

  it('reaches another module only through its index.ts', () => {
    const violations = files.flatMap((f) =>
      importsOf(f.text)
        .map((spec) => resolveImport(f.path, spec))
        .filter((target): target is string => target !== undefined && target.includes('/'))
        .filter((target) => moduleOf(target) !== moduleOf(f.path) && moduleOf(target) !== 'util' && !target.endsWith('/index.ts'))
        .map((target) => `${f.path} → ${target}`),
    )
    expect(violations).toEqual([])
  })

  it('keeps the policy engine free of HTTP, storage, MCP and other modules', () => {
    const policy = files.filter((f) => moduleOf(f.path) === 'policy')
    const violations = policy.flatMap((f) =>
      importsOf(f.text)
        .filter((spec) => /^(express|better-sqlite3|@modelcontextprotocol\/|jose|node:(http|https|net|dgram))/.test(spec) || /^\.\.\/(?!errors\.js|util\/)/.test(spec))
        .map((spec) => `${f.path} imports ${spec}`),
    )
    expect(violations).toEqual([])
  })

  it('keeps mandate/ and keys/ pure: no HTTP, storage or MCP, and keys/ depends on nothing but util', () => {
    const pure = files.filter((f) => ['mandate', 'keys'].includes(moduleOf(f.path)))
    const violations = pure.flatMap((f) =>
      importsOf(f.text)
        .filter((spec) => /^(express|better-sqlite3|@modelcontextprotocol\/|node:(http|https|net|dgram))/.test(spec) || (moduleOf(f.path) === 'keys' && /^\.\.\/(?!errors\.js|util\/)/.test(spec)))
        .map((spec) => `${f.path} imports ${spec}`),
    )
    expect(violations).toEqual([])
  })

  it('imports express only at the HTTP edges (sts/, proxy/, admin/, coordinator/, http/, app.ts)', () => {
    // admin/ is the admin HTTP API (SPEC §3: "Admin — a CLI and an admin HTTP API"); coordinator/
    // is the Coordinator's (SPEC §3: "sessions and delegations over HTTP").
    const edges = new Set(['sts', 'proxy', 'admin', 'coordinator', 'http', 'app.ts'])
    const violations = files.filter((f) => !edges.has(moduleOf(f.path)) && importsOf(f.text).some((s) => s === 'express' || s.startsWith('express/')))
    expect(violations.map((f) => f.path)).toEqual([])
  })

  it('opens every file with a line saying what it is for', () => {
    const bare = files.filter((f) => !/^(#!.*\n)?(\/\/ \S|\/\*\*)/.test(f.text))
    expect(bare.map((f) => f.path)).toEqual([])
  })
})
