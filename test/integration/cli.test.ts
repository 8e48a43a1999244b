// Runs the built caracal-mcp command as a user does (node dist/…, built by `npm test`'s pretest)
// and checks what it prints and its exit codes, including the one-line errors.
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { AuditLog } from '../../src/audit/index.js'
import { openStore } from '../../src/store/index.js'
import { packageRoot } from '../../src/util/package-root.js'

const root = packageRoot()
const bin = join(root, 'dist', 'src', 'cli', 'main.js')
const dir = mkdtempSync(join(tmpdir(), 'caracal-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliWithEnv({}, ...args)
}

async function cliWithEnv(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('caracal-mcp', () => {
  it('start decides the example requests, serves the STS until SIGTERM, and the printed steps give a mandate', async () => {
    const env = { CARACAL_MCP_PORT: '0', CARACAL_MCP_ISSUER: 'http://127.0.0.1:8780', CARACAL_MCP_DATABASE: join(dir, 'start.sqlite'), CARACAL_MCP_AUDIT_HMAC_KEY: 'ab'.repeat(32), CARACAL_MCP_SEALING_KEY: 'cd'.repeat(32) }
    const child = spawn(process.execPath, [bin, 'start'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      await vi.waitFor(() => expect(stdout).toMatch(/STS listening on (http:\/\/127\.0\.0\.1:\d+)/), { timeout: 15_000, interval: 50 })
      const url = /STS listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!
      expect(stdout).toMatch(/zone demo: policy version [0-9a-f]{16} active/)
      expect(stdout).toContain('demo-agent asks for its lifecycle mandate: allow (caracal-bootstrap)')
      expect(stdout).toContain('held for approval: allow once approved (step-up: high, approver operator)')
      expect(stdout).toContain('read_file climbing out of /srv/demo/ with ..: deny (tool_argument_prefix_mismatch)')

      const created = await cliWithEnv(env, 'applications', 'create', '--zone', 'demo', '--name', 'Demo agent', '--id', 'demo-agent')
      const secret = /client_secret: (\S+)/.exec(created.stdout)![1]!
      const token = await cliWithEnv({ ...env, CARACAL_MCP_CLIENT_SECRET: secret }, 'token', '--zone', 'demo', '--application', 'demo-agent', '--resource', 'resource://caracal/lifecycle')
      expect(token.code, token.stderr).toBe(0)
      expect(token.stdout.trim()).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
      const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: 'demo', application_id: 'demo-agent', client_secret: secret, resource: 'resource://caracal/lifecycle', scope: 'agent:lifecycle' })
      const response = await fetch(`${url}/oauth/2/token`, { method: 'POST', body: form })
      expect(response.status).toBe(200)
      const jwks = (await (await fetch(`${url}/.well-known/jwks.json?zone_id=demo`)).json()) as { keys: { kid: string }[] }
      const kid = JSON.parse(Buffer.from(token.stdout.split('.')[0]!, 'base64url').toString()).kid
      expect(jwks.keys.map((k) => k.kid)).toContain(kid)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(stdout).toContain('caracal-mcp: stopped')
  })

  it('policy eval prints the decision for an example request', async () => {
    const { code, stdout } = await cli('policy', 'eval', '--input', 'fixtures/requests/demo-2-mint-files-read.json')
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ decision: 'allow', determiningPolicies: [{ policy: 'caracal-demo-agent-mint' }] })
  })

  it('policy check names the zone, file, document and field of malformed data, in one line', async () => {
    writeFileSync(join(dir, 'data.json'), JSON.stringify({ approval_tiers: [{ tier: 'high', approver: 'boss' }] }))
    writeFileSync(join(dir, 'mcp.config.json'), JSON.stringify({ policy: { zones: { z1: { data: 'data.json' } } } }))
    const { code, stderr } = await cli('policy', 'check', '--config', join(dir, 'mcp.config.json'))
    expect(code).toBe(1)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/^caracal-mcp: zone "z1" \(.*data\.json\): policy data document "approval_tiers" is invalid at \[0\]\.approver: /)
  })

  it('answers a usage mistake with exit 2 and the usage', async () => {
    const { code, stderr } = await cli('policy', 'eval', '--inputt', 'x')
    expect(code).toBe(2)
    expect(stderr).toContain('caracal-mcp: unknown option --inputt')
    expect(stderr).toContain('usage: caracal-mcp')
  })
})

describe('caracal-mcp audit', () => {
  const hmacHex = 'ab'.repeat(32)
  const env = { CARACAL_MCP_AUDIT_HMAC_KEY: hmacHex, CARACAL_MCP_SEALING_KEY: 'cd'.repeat(32) }

  async function auditedConfig(): Promise<string> {
    const sub = mkdtempSync(join(dir, 'audit-'))
    writeFileSync(join(sub, 'data.json'), '{}')
    writeFileSync(join(sub, 'mcp.config.json'), JSON.stringify({ policy: { zones: { z1: { data: 'data.json' } } }, store: { path: 'state.sqlite' } }))
    const store = openStore(join(sub, 'state.sqlite'))
    const log = new AuditLog(store.auditEvents, { hmacKey: Buffer.from(hmacHex, 'hex') })
    for (let i = 1; i <= 3; i++) await log.record({ zoneId: 'z1', eventType: 'token_exchange', requestId: `req-${i}`, decision: 'allow', evaluationStatus: 'complete' })
    store.close()
    return join(sub, 'mcp.config.json')
  }

  it('verify reports an intact chain, and names the first broken row after tampering (exit 1)', async () => {
    const config = await auditedConfig()
    expect(await cliWithEnv(env, 'audit', 'verify', '--config', config)).toMatchObject({ code: 0, stdout: 'zone z1: 3 events, chain intact\n' })
    const db = new Database(join(config, '..', 'state.sqlite'))
    db.exec("DROP TRIGGER audit_events_no_update; UPDATE audit_events SET decision = 'deny' WHERE chain_seq = 2")
    db.close()
    const broken = await cliWithEnv(env, 'audit', 'verify', '--config', config)
    expect(broken.code).toBe(1)
    expect(broken.stdout).toMatch(/^zone z1: chain broken at chain_seq 2 \(event [0-9a-f-]{36}\): content_hash_mismatch\n$/)
  })

  it('query prints the events of one request, and tail the newest of a zone', async () => {
    const config = await auditedConfig()
    const query = await cliWithEnv(env, 'audit', 'query', '--request-id', 'req-2', '--config', config)
    expect(JSON.parse(query.stdout)).toMatchObject({ zone_id: 'z1', chain_seq: 2, request_id: 'req-2', decision: 'allow' })
    const tail = await cliWithEnv(env, 'audit', 'tail', '--zone', 'z1', '--limit', '2', '--config', config)
    expect(tail.stdout.trim().split('\n').map((l) => JSON.parse(l).chain_seq)).toEqual([2, 3])
  })

  it('warns loudly once when it falls back to development keys', async () => {
    const config = await auditedConfig()
    const { stderr } = await cliWithEnv({ CARACAL_MCP_AUDIT_HMAC_KEY: '', CARACAL_MCP_SEALING_KEY: '' }, 'audit', 'verify', '--config', config)
    expect(stderr.match(/WARNING/g)).toHaveLength(1)
    expect(stderr).toContain('You MUST set them in production')
  })
})
