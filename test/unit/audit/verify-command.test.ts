// Proves `caracal-mcp audit verify` in-process against a real config and database: it prints each
// zone's head in the form --expect-head takes back, fails (exit 1) when the chain no longer holds
// an expected head or a configured zone has no chain, reads the audit key from the environment or
// an existing development file without ever creating or rewriting that file, and fails with a
// typed error when there is no key. The verification itself is proved in verify.test.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { AuditLog } from '../../../src/audit/index.js'
import { auditCommand } from '../../../src/cli/audit-command.js'
import { AuditKeyUnavailableError } from '../../../src/config/index.js'
import { CliUsageError } from '../../../src/errors.js'
import { openStore } from '../../../src/store/index.js'

const root = mkdtempSync(join(tmpdir(), 'caracal-verify-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
afterEach(() => vi.unstubAllEnvs())
const KEY_HEX = 'ab'.repeat(32)

/** A config with zone z1 (and z0 in the zones table when asked) and a database holding `rows` events of z1. */
async function audited(rows: number, options: { emptyZone?: boolean } = {}): Promise<{ config: string; dir: string; heads: string[] }> {
  const dir = mkdtempSync(join(root, 'case-'))
  writeFileSync(join(dir, 'data.json'), '{}')
  const config = join(dir, 'mcp.config.json')
  writeFileSync(config, JSON.stringify({ policy: { zones: { z1: { data: 'data.json' } } }, store: { path: 'state.sqlite' } }))
  const store = openStore(join(dir, 'state.sqlite'))
  if (options.emptyZone) store.zones.create({ id: 'z0', name: 'z0', createdAt: 0 })
  const log = new AuditLog(store.auditEvents, { hmacKey: Buffer.from(KEY_HEX, 'hex') })
  for (let i = 1; i <= rows; i++) await log.record({ zoneId: 'z1', eventType: 'token_exchange', requestId: `req-${i}`, decision: 'allow', evaluationStatus: 'complete' })
  const heads = [...store.auditEvents.iterateZone('z1')].map((r) => `z1:${r.chainSeq}:${r.contentSha256}`)
  store.close()
  return { config, dir, heads }
}

async function verify(...args: string[]): Promise<{ code: number; out: string[]; warnings: string[] }> {
  const out: string[] = []
  const warnings: string[] = []
  const code = await auditCommand(['verify', ...args], (l) => out.push(l), (l) => warnings.push(l))
  return { code, out, warnings }
}

describe('audit verify', () => {
  it('prints each zone\'s head, and fails with head_missing once rows are cut from the end', async () => {
    vi.stubEnv('CARACAL_MCP_AUDIT_HMAC_KEY', KEY_HEX)
    const { config, dir, heads } = await audited(4)
    expect(await verify('--config', config)).toMatchObject({ code: 0, out: [`zone z1: 4 events, chain intact; head ${heads[3]}`] })
    expect(await verify('--config', config, '--expect-head', heads[3]!, '--expect-head', `${heads[1]},${heads[2]}`)).toMatchObject({ code: 0 })
    const db = new Database(join(dir, 'state.sqlite'))
    db.exec('DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE chain_seq >= 3')
    db.close()
    // On its own the cut chain is a valid chain; the head kept elsewhere shows the cut.
    expect(await verify('--config', config)).toMatchObject({ code: 0, out: [`zone z1: 2 events, chain intact; head ${heads[1]}`] })
    expect(await verify('--config', config, '--expect-head', `${heads[1]},${heads[3]}`)).toMatchObject({ code: 1, out: [`zone z1: 2 events, chain broken at chain_seq 4: head_missing; head ${heads[1]}`] })
    const forged = heads[1]!.replace(/.{64}$/, 'cd'.repeat(32))
    expect((await verify('--config', config, `--expect-head=${forged}`)).out[0]).toMatch(/^zone z1: 2 events, chain broken at chain_seq 2 \(event [0-9a-f-]{36}\): head_mismatch; head z1:2:/)
  })

  it('refuses an --expect-head it cannot read, or one of a zone other than --zone', async () => {
    vi.stubEnv('CARACAL_MCP_AUDIT_HMAC_KEY', KEY_HEX)
    const { config, heads } = await audited(1)
    await expect(verify('--config', config, '--expect-head', 'z1:1')).rejects.toThrow(CliUsageError)
    await expect(verify('--config', config, '--zone', 'z2', '--expect-head', heads[0]!)).rejects.toThrow('--expect-head names zone z1, but --zone is z2')
    await expect(auditCommand(['tail', '--zone', 'z1', '--config', config, '--expect-head', heads[0]!], () => {}, () => {})).rejects.toThrow(CliUsageError)
  })

  it('names a zone of the database whose chain is gone (exit 1)', async () => {
    vi.stubEnv('CARACAL_MCP_AUDIT_HMAC_KEY', KEY_HEX)
    const { config, heads } = await audited(1, { emptyZone: true })
    expect(await verify('--config', config)).toMatchObject({ code: 1, out: ['zone z0: 0 events, chain broken at chain_seq 1: chain_missing', `zone z1: 1 events, chain intact; head ${heads[0]}`] })
  })

  it('without an audit key fails with a typed error, and creates no development secrets file', async () => {
    vi.stubEnv('CARACAL_MCP_AUDIT_HMAC_KEY', '')
    const { config, dir } = await audited(1)
    const failed = verify('--config', config)
    await expect(failed).rejects.toThrow(AuditKeyUnavailableError)
    await expect(failed).rejects.toThrow(/no audit key: set CARACAL_MCP_AUDIT_HMAC_KEY/)
    expect(existsSync(join(dir, 'dev-secrets.json'))).toBe(false)
  })

  it('reads the key from an existing development file, once warned, and leaves the file as it was', async () => {
    vi.stubEnv('CARACAL_MCP_AUDIT_HMAC_KEY', '')
    vi.stubEnv('CARACAL_MCP_SEALING_KEY', '')
    vi.stubEnv('CARACAL_MCP_ADMIN_TOKEN', '')
    const { config, dir } = await audited(2)
    // A file from before the admin API: loadSecrets would add a token to it.
    const file = join(dir, 'dev-secrets.json')
    writeFileSync(file, JSON.stringify({ sealing: 'cd'.repeat(32), audit: KEY_HEX }), { mode: 0o600 })
    const before = { text: readFileSync(file, 'utf8'), mtime: statSync(file).mtimeMs }
    const result = await verify('--config', config)
    expect(result).toMatchObject({ code: 0, out: [expect.stringMatching(/^zone z1: 2 events, chain intact; head z1:2:[0-9a-f]{64}$/)] })
    expect(result.warnings).toEqual([expect.stringContaining('WARNING: CARACAL_MCP_AUDIT_HMAC_KEY not set')])
    expect({ text: readFileSync(file, 'utf8'), mtime: statSync(file).mtimeMs }).toEqual(before)
    writeFileSync(file, JSON.stringify({ sealing: 'cd'.repeat(32) }))
    await expect(verify('--config', config)).rejects.toThrow(AuditKeyUnavailableError)
  })
})
