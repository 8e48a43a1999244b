// Proves that opening the runtime puts each configured zone's policy activation on record: one
// `policy_activated` row per zone (allow/complete, the version id, the data file relative to the
// config, none of its contents), which is also every zone's first row, so `audit verify` finds a
// chain for every zone of the database. A command that does not serve writes only that first
// row; a serving start writes one each time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { verifyAuditChains } from '../../../src/audit/index.js'
import { loadConfig } from '../../../src/config/index.js'
import { openRuntime, type Runtime } from '../../../src/runtime.js'

const dir = mkdtempSync(join(tmpdir(), 'caracal-activation-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const env = { CARACAL_MCP_SEALING_KEY: 'cd'.repeat(32), CARACAL_MCP_AUDIT_HMAC_KEY: 'ab'.repeat(32), CARACAL_MCP_ADMIN_TOKEN: 'test-only-admin-token-0123456789abcdef' }
const config = join(dir, 'mcp.config.json')
const SECRET_LOOKING_DATA = 'do-not-copy-the-data-into-the-audit'

async function opened<T>(use: (runtime: Runtime) => T | Promise<T>, options: { serving?: boolean } = {}): Promise<T> {
  const runtime = await openRuntime(await loadConfig(config, env), env, () => {}, options)
  try {
    return await use(runtime)
  } finally {
    await runtime.close()
  }
}

function activations(runtime: Runtime, zone: string) {
  return [...runtime.store.auditEvents.iterateZone(zone)].filter((r) => r.eventType === 'policy_activated')
}

describe('policy activation at start', () => {
  it('records one policy_activated row per zone, the first of each chain', async () => {
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ app_ids: { [SECRET_LOOKING_DATA]: 'App' } }))
    writeFileSync(join(dir, 'b.json'), '{}')
    writeFileSync(config, JSON.stringify({ policy: { zones: { za: { data: 'a.json' }, zb: { data: 'b.json' } } }, store: { path: 'state.sqlite' } }))
    await opened((runtime) => {
      for (const [zone, file] of [['za', 'a.json'], ['zb', 'b.json']] as const) {
        const rows = [...runtime.store.auditEvents.iterateZone(zone)]
        expect(rows).toHaveLength(1)
        expect(rows[0]).toMatchObject({ chainSeq: 1, eventType: 'policy_activated', decision: 'allow', evaluationStatus: 'complete', policySetVersionId: runtime.policy.version(zone)!.id })
        expect(JSON.parse(rows[0]!.metadataJson)).toEqual({ data_file: file })
        expect(JSON.stringify(rows[0])).not.toContain(SECRET_LOOKING_DATA)
      }
      expect(runtime.store.zones.list().map((z) => z.id)).toEqual(['za', 'zb'])
      const reports = verifyAuditChains(runtime.store.auditEvents, Buffer.from(env.CARACAL_MCP_AUDIT_HMAC_KEY, 'hex'))
      expect(reports.map((r) => [r.zoneId, r.events, r.firstBreak])).toEqual([['za', 1, undefined], ['zb', 1, undefined]])
    })
  })

  it('is on record at every serving start, while other commands write only a zone\'s first row', async () => {
    await opened((runtime) => runtime.audit.record({ zoneId: 'za', eventType: 'key_rotated', requestId: 'r1', decision: 'allow', evaluationStatus: 'complete' }))
    // CLI commands open the runtime too: they activate nothing that serves, and the head stays.
    await opened((runtime) => {
      expect(activations(runtime, 'za').map((r) => r.chainSeq)).toEqual([1])
      expect(runtime.store.auditEvents.last('za')!.chainSeq).toBe(2)
    })
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ app_ids: { other: 'Other' } }))
    await opened(
      (runtime) => {
        expect(activations(runtime, 'za').map((r) => r.chainSeq)).toEqual([1, 3])
        const rows = activations(runtime, 'zb')
        expect(rows).toHaveLength(2)
        expect(rows[1]!.policySetVersionId).toBe(runtime.policy.version('zb')!.id)
        expect(rows[1]!.policySetVersionId).not.toBe(rows[0]!.policySetVersionId)
      },
      { serving: true },
    )
  })
})
