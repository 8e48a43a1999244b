// Proves `caracal-mcp audit explain <request-id>` in-process against a real config and database:
// the text tree, the --json document, exit 1 with one message for a request nobody audited, and
// the usage errors of the positional id and of --json elsewhere. The tree itself is proved in
// test/unit/audit/explain.test.ts; this proves the command loads rows and revocations and prints.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuditLog } from '../../../src/audit/index.js'
import { auditCommand } from '../../../src/cli/audit-command.js'
import { CliUsageError } from '../../../src/errors.js'
import { openStore } from '../../../src/store/index.js'
import { T0, THREE_HOPS, ZONE, recordAll, recordThreeHops, toolCall } from '../audit/explain-fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'caracal-explain-'))
const config = join(dir, 'mcp.config.json')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

beforeAll(async () => {
  writeFileSync(join(dir, 'data.json'), '{}')
  writeFileSync(config, JSON.stringify({ policy: { zones: { [ZONE]: { data: 'data.json' } } }, store: { path: 'state.sqlite' } }))
  const store = openStore(join(dir, 'state.sqlite'))
  const log = new AuditLog(store.auditEvents, { hmacKey: Buffer.alloc(32, 7) })
  await recordThreeHops(log)
  // Long expired by now: the command must look the anchor up as of the call, not as of today.
  store.revocations.revoke({ anchor: 'sess-planner', zoneId: ZONE, kind: 'agent_session', reason: 'operator ended the task', revokedAt: T0 + 100, expiresAt: T0 + 3_600_000 })
  await recordAll(log, 'req-revoked', [
    toolCall(120, { application_id: 'planner', agent_session_id: 'sess-planner', delegation_edge_id: 'edge-planner', delegation_hop_count: 1, server: 'files', tool: 'read', group: 'read', upstream_status: 'revoked', latency_ms: 30, revoked_anchor: 'sess-planner' }),
  ])
  store.close()
})

async function run(...argv: string[]): Promise<{ code: number; out: string[]; warned: string[] }> {
  const out: string[] = []
  const warned: string[] = []
  const code = await auditCommand(argv, (l) => void out.push(l), (l) => void warned.push(l))
  return { code, out, warned }
}

describe('audit explain', () => {
  it('prints the tree of one request across its hops, with the deny reason', async () => {
    const { code, out, warned } = await run('explain', THREE_HOPS.requestId, '--config', config)
    expect(code).toBe(0)
    expect(warned).toEqual([])
    expect(out[0]).toBe('request req-three-hops: 3 calls over 3 hops, 1 denied')
    expect(out).toContain('  - hop 1 planner (session sess-planner, edge edge-planner) researcher__research [researcher/research] allow → ok 8.1 ms')
    expect(out).toContain(`    - hop 2 researcher (session sess-researcher, edge edge-researcher) files__write_file [files/write] deny: ${THREE_HOPS.deny}`)
  })

  it('reads the revocation store for a revoked call', async () => {
    const { out } = await run('explain', 'req-revoked', '--config', config)
    expect(out[1]).toBe(
      '- hop 1 planner (session sess-planner, edge edge-planner) files__read [files/read] allow → revoked 30.0 ms; revoked anchor sess-planner: agent_session revoked at 2025-06-01T12:00:00.100Z, reason operator ended the task',
    )
  })

  it('prints one JSON document with --json', async () => {
    const { code, out } = await run('explain', '--json', THREE_HOPS.requestId, '--config', config)
    expect(code).toBe(0)
    const doc = JSON.parse(out.join('\n'))
    expect(doc).toMatchObject({ request_id: THREE_HOPS.requestId, calls: 3, hops: 3, denied: 1 })
    expect(doc.roots[0].children[0].children[0]).toMatchObject({ hop: 2, decision: 'deny', deny_reason: THREE_HOPS.deny, link: 'delegation' })
  })

  it('exits 1 with one message for a request id nobody audited', async () => {
    expect(await run('explain', 'req-unknown', '--config', config)).toEqual({ code: 1, out: [], warned: ['no audit events for request req-unknown'] })
  })

  it('refuses a missing or extra request id, and --json on other audit commands', async () => {
    await expect(run('explain', '--config', config)).rejects.toThrow(new CliUsageError('audit explain needs a request id: audit explain <request-id>'))
    await expect(run('explain', 'a', 'b', '--config', config)).rejects.toThrow('unexpected argument b')
    await expect(run('query', 'a', '--config', config)).rejects.toThrow('unexpected argument a')
    await expect(run('verify', '--json', '--config', config)).rejects.toThrow('audit verify has no --json option')
  })
})
