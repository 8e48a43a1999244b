// The upstream pool's shutdown against a child that is still connecting: a stdio server that
// never answers initialize (as one stuck at start would) must not outlive the pool, and the pool
// must not report it connected after it was closed.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { configSchema } from '../../../src/config/index.js'
import { UpstreamPool } from '../../../src/proxy/upstream-pool.js'

const dir = mkdtempSync(join(tmpdir(), 'caracal-pool-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Writes its pid, then reads its stdin without a word on stdout until that ends (so no run leaves it behind). */
const SILENT_CHILD = "require('node:fs').writeFileSync(process.env.PIDFILE, String(process.pid)); process.stdin.resume(); process.stdin.on('end', () => process.exit(0))"

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

it('stops a child that is still connecting when it closes, and never reports it connected', async () => {
  const pidFile = join(dir, 'pid')
  const config = configSchema.parse({
    policy: { zones: { z: { data: 'z.json' } } },
    mcpServers: { stuck: { command: process.execPath, args: ['-e', SILENT_CHILD], env: { PIDFILE: pidFile } } },
    protection: { stuck: { groups: { all: { tools: ['*'], scopes: ['s:use'] } }, timeouts: { requestMs: 30_000 } } },
  })
  const connected: string[] = []
  const logged: string[] = []
  const pool = new UpstreamPool({
    servers: config.mcpServers,
    protection: config.protection,
    configDir: dir,
    staticHeaders: {},
    onConnected: (server) => void connected.push(server),
    eventsFor: () => ({}),
    log: (line) => void logged.push(line),
  })
  const started = pool.start()
  await expect.poll(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', { timeout: 5000 }).toBe(true)
  const pid = Number(readFileSync(pidFile, 'utf8'))
  expect(alive(pid)).toBe(true)
  await pool.close()
  await started
  // Its initialize would wait 30 s; the child is stopped now (stdin closed, then signalled).
  await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false)
  expect(connected).toEqual([])
  expect(() => pool.shared('stuck')).toThrow(/not connected/)
  expect(logged.filter((l) => l.includes('retrying'))).toEqual([])
}, 20_000)
