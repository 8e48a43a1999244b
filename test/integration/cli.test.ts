// Runs the built caracal-mcp command as a user does (node dist/…, built by `npm test`'s pretest)
// and checks what it prints and its exit codes, including the one-line errors: start, policy,
// audit, agent sessions (spawn, suspend, resume included), delegations (create, accept, list,
// revoke with its cascade), operator approval decisions and the agent mandate of `token --session`.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Approvals } from '../../src/approvals/index.js'
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
  it('start decides the example requests, serves the STS and the MCP proxy until SIGTERM, walks through governed calls, and the printed steps give a mandate that works at /mcp', async () => {
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
      // The same bootstrap mandate is the application's bearer at the Coordinator.
      const coordinated = await fetch(`${url}/zones/demo/sessions`, { method: 'POST', headers: { authorization: `Bearer ${token.stdout.trim()}`, 'content-type': 'application/json' }, body: '{}' })
      expect(coordinated.status).toBe(201)
      expect(await coordinated.json()).toMatchObject({ application_id: 'demo-agent', authority: 'full', depth: 0 })

      // The printed agent-mandate steps: a session, then its mandate; or client_credentials.
      expect(stdout).toContain(`admin API on ${url}/v1`)
      const started = await cliWithEnv(env, 'sessions', 'start', '--zone', 'demo', '--application', 'demo-agent')
      const sessionId = /agent_session_id: (\S+)/.exec(started.stdout)![1]!
      const agent = await cliWithEnv({ ...env, CARACAL_MCP_CLIENT_SECRET: secret }, 'token', '--zone', 'demo', '--application', 'demo-agent', '--session', sessionId)
      expect(agent.code, agent.stderr).toBe(0)
      expect(JSON.parse(Buffer.from(agent.stdout.split('.')[1]!, 'base64url').toString())).toMatchObject({ use: 'session', agent_session_id: sessionId })
      const basic = Buffer.from(`demo-agent:${encodeURIComponent(secret)}`).toString('base64')
      const cc = await fetch(`${url}/oauth/2/token`, { method: 'POST', headers: { authorization: `Basic ${basic}` }, body: new URLSearchParams({ grant_type: 'client_credentials' }) })
      expect(cc.status).toBe(200)
      expect(((await cc.json()) as { agent_session_id: string }).agent_session_id).toMatch(/^[0-9a-f-]{36}$/)

      // The walkthrough's governed calls, and the agent mandate from the printed steps at /mcp.
      await vi.waitFor(() => expect(stdout).toContain('write a file (group write: held for an operator): tool error: This call needs human approval'), { timeout: 15_000, interval: 50 })
      expect(stdout).toContain('read a file under /srv/demo/: ok: Ship the proxy. Then the hops.')
      expect(stdout).toContain('read a file outside /srv/demo/ (tool_rules deny): error -32602: Tool files__read_file not found')
      const client = new Client({ name: 'cli-test', version: '1.0.0' })
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${agent.stdout.trim()}` } } }))
      try {
        expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['files__list_files', 'files__read_file', 'files__write_file'])
        const read = (await client.callTool({ name: 'files__read_file', arguments: { path: '/srv/demo/README.md' } })) as CallToolResult
        expect(read.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('# Demo files') })
      } finally {
        await client.close()
      }
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(stdout).toContain('caracal-mcp: stopped')
  })

  it('start --config fixtures/hops/mcp.config.json walks one request across three hops, shows two refused hops, and explains the request from the audit', async () => {
    const env = { CARACAL_MCP_PORT: '0', CARACAL_MCP_DATABASE: join(dir, 'hops.sqlite'), CARACAL_MCP_AUDIT_HMAC_KEY: 'ab'.repeat(32), CARACAL_MCP_SEALING_KEY: 'cd'.repeat(32) }
    const child = spawn(process.execPath, [bin, 'start', '--config', 'fixtures/hops/mcp.config.json'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      await vi.waitFor(() => expect(stdout).toContain('Ctrl-C stops the server.'), { timeout: 30_000, interval: 50 })
      expect(stdout).toContain("planner (hop 1, its mandate's path 1 edge(s)) → researcher (hop 2, its mandate's path 2 edge(s)) → answered: # Demo files")
      expect(stdout).toContain('audit: hop_limit_reached')
      expect(stdout).toContain('audit: delegation_invalid: scope files:write is outside the delegation')
      const requestId = /audit explain (\S+) --config/.exec(stdout)![1]!
      expect(stdout).toMatch(/^ {4}- hop 1 planner .* researcher__research \[researcher\/research\] allow → ok/m)
      // The operator's command prints the same account from the database.
      const explained = await cliWithEnv(env, 'audit', 'explain', requestId, '--config', 'fixtures/hops/mcp.config.json')
      expect(explained.code, explained.stderr).toBe(0)
      expect(explained.stdout).toMatch(new RegExp(`^request ${requestId}: 3 calls over 3 hops`))
      expect(explained.stdout).toMatch(/^ {4}- hop 2 researcher .* files__read_file \[files\/read\] allow → ok/m)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
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

  it('verify reports an intact chain with its head, and names the first broken row after tampering (exit 1)', async () => {
    const config = await auditedConfig()
    const intact = await cliWithEnv(env, 'audit', 'verify', '--config', config)
    expect(intact).toMatchObject({ code: 0, stdout: expect.stringMatching(/^zone z1: 3 events, chain intact; head z1:3:[0-9a-f]{64}\n$/) })
    const head = /head (\S+)/.exec(intact.stdout)![1]!
    const db = new Database(join(config, '..', 'state.sqlite'))
    db.exec("DROP TRIGGER audit_events_no_update; UPDATE audit_events SET decision = 'deny' WHERE chain_seq = 2")
    db.close()
    const broken = await cliWithEnv(env, 'audit', 'verify', '--config', config)
    expect(broken.code).toBe(1)
    expect(broken.stdout).toMatch(/^zone z1: 3 events, chain broken at chain_seq 2 \(event [0-9a-f-]{36}\): content_hash_mismatch; head z1:3:[0-9a-f]{64}\n$/)
    expect((await cliWithEnv(env, 'audit', 'verify', '--config', config, '--expect-head', head)).code).toBe(1)
  })

  it('verify --expect-head names rows cut from the end, which the chain alone cannot show (exit 1)', async () => {
    const config = await auditedConfig()
    const head = /head (\S+)/.exec((await cliWithEnv(env, 'audit', 'verify', '--config', config)).stdout)![1]!
    const db = new Database(join(config, '..', 'state.sqlite'))
    db.exec('DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE chain_seq = 3')
    db.close()
    expect(await cliWithEnv(env, 'audit', 'verify', '--config', config)).toMatchObject({ code: 0, stdout: expect.stringContaining('2 events, chain intact') })
    expect(await cliWithEnv(env, 'audit', 'verify', '--config', config, '--expect-head', head)).toMatchObject({ code: 1, stdout: expect.stringContaining('chain broken at chain_seq 3: head_missing') })
  })

  it('query prints the events of one request, and tail the newest of a zone', async () => {
    const config = await auditedConfig()
    const query = await cliWithEnv(env, 'audit', 'query', '--request-id', 'req-2', '--config', config)
    expect(JSON.parse(query.stdout)).toMatchObject({ zone_id: 'z1', chain_seq: 2, request_id: 'req-2', decision: 'allow' })
    const tail = await cliWithEnv(env, 'audit', 'tail', '--zone', 'z1', '--limit', '2', '--config', config)
    expect(tail.stdout.trim().split('\n').map((l) => JSON.parse(l).chain_seq)).toEqual([2, 3])
  })

  it('verify without an audit key fails (exit 1) and creates no development secrets file', async () => {
    const config = await auditedConfig()
    const failed = await cliWithEnv({ CARACAL_MCP_AUDIT_HMAC_KEY: '', CARACAL_MCP_SEALING_KEY: '' }, 'audit', 'verify', '--config', config)
    expect(failed).toMatchObject({ code: 1, stdout: '' })
    expect(failed.stderr).toContain('caracal-mcp: no audit key: set CARACAL_MCP_AUDIT_HMAC_KEY')
    expect(existsSync(join(config, '..', 'dev-secrets.json'))).toBe(false)
  })

  it('verify warns loudly once when it reads the key from an existing development file', async () => {
    const config = await auditedConfig()
    writeFileSync(join(config, '..', 'dev-secrets.json'), JSON.stringify({ sealing: 'cd'.repeat(32), audit: hmacHex, admin: 'test-only-admin-token-of-the-cli-tests-0123' }))
    const { code, stderr } = await cliWithEnv({ CARACAL_MCP_AUDIT_HMAC_KEY: '', CARACAL_MCP_SEALING_KEY: '' }, 'audit', 'verify', '--config', config)
    expect(code).toBe(0)
    expect(stderr.match(/WARNING/g)).toHaveLength(1)
    expect(stderr).toContain('You MUST set it in production')
  })
})

describe('caracal-mcp sessions, approvals and token --session', () => {
  const hmacHex = 'ab'.repeat(32)
  const env = { CARACAL_MCP_AUDIT_HMAC_KEY: hmacHex, CARACAL_MCP_SEALING_KEY: 'cd'.repeat(32), CARACAL_MCP_ADMIN_TOKEN: 'test-only-admin-token-of-the-cli-tests-0123' }
  let config: string
  let secret: string

  async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return cliWithEnv({ ...env, CARACAL_MCP_CLIENT_SECRET: secret ?? '' }, ...args, '--config', config)
  }

  /** Opens a pending operator hold of agent-1 directly in the store, as the STS would. */
  async function openHold(id: string, binding: string): Promise<void> {
    const store = openStore(join(config, '..', 'state.sqlite'))
    const audit = new AuditLog(store.auditEvents, { hmacKey: Buffer.from(hmacHex, 'hex') })
    await new Approvals({ store, audit }).open({
      id, zoneId: 'z1', applicationId: 'agent-1', subject: 'agent-1', subjectType: 'application' as const, binding, requestId: `open-${id}`,
      requirement: { tier: 'high', approver: 'operator', privacy: 'identified', ttlSeconds: 900 }, resources: ['resource://files/write'], scopes: ['files:write'],
    })
    await audit.flushed()
    store.close()
  }

  beforeAll(async () => {
    const sub = mkdtempSync(join(dir, 'sessions-'))
    writeFileSync(join(sub, 'data.json'), '{}')
    config = join(sub, 'mcp.config.json')
    writeFileSync(config, JSON.stringify({ policy: { zones: { z1: { data: 'data.json' } } }, store: { path: 'state.sqlite' } }))
    const created = await run('applications', 'create', '--zone', 'z1', '--name', 'Agent one', '--id', 'agent-1')
    expect(created.code, created.stderr).toBe(0)
    secret = /client_secret: (\S+)/.exec(created.stdout)![1]!
  })

  it('starts a task session with repeated labels, lists it, gets an agent mandate for it, and terminates it', async () => {
    const started = await run('sessions', 'start', '--zone', 'z1', '--application', 'agent-1', '--ttl', '600', '--label', 'agent-1', '--label=reviewer')
    expect(started.code, started.stderr).toBe(0)
    const [, id, expires] = /^agent_session_id: (\S+)\nexpires_at: (\S+)\n$/.exec(started.stdout)!
    expect(Date.parse(expires!) - Date.now()).toBeGreaterThan(590_000)

    const listed = await run('sessions', 'list', '--zone', 'z1', '--application', 'agent-1', '--status', 'active')
    expect(listed.stdout.split('\n')).toContain(`${id}\tactive\ttask\tagent-1\t${expires}\tagent-1,reviewer`)

    const token = await run('token', '--zone', 'z1', '--application', 'agent-1', '--session', id!)
    expect(token.code, token.stderr).toBe(0)
    expect(token.stdout.trim()).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
    const claims = JSON.parse(Buffer.from(token.stdout.trim().split('.')[1]!, 'base64url').toString())
    expect(claims).toMatchObject({ agent_session_id: id, use: 'session', sub: 'agent-1', zone_id: 'z1' })
    expect(claims).not.toHaveProperty('target')

    const ended = await run('sessions', 'terminate', '--zone', 'z1', '--id', id!, '--reason', 'done')
    expect(ended).toMatchObject({ code: 0, stdout: `terminated: ${id}\n` })
    expect((await run('sessions', 'terminate', '--zone', 'z1', '--id', id!)).stdout).toBe(`agent session ${id} was terminated already\n`)
    expect((await run('sessions', 'list', '--zone', 'z1', '--status', 'terminated')).stdout).toContain(`${id}\tterminated`)
    const refused = await run('token', '--zone', 'z1', '--application', 'agent-1', '--session', id!)
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('starts a service session and keeps it alive with a heartbeat', async () => {
    const started = await run('sessions', 'start', '--zone', 'z1', '--application', 'agent-1', '--lifecycle', 'service', '--heartbeat', '30')
    expect(started.code, started.stderr).toBe(0)
    const id = /agent_session_id: (\S+)/.exec(started.stdout)![1]!
    expect(started.stdout).toContain(`heartbeat arrives every 30 s: caracal-mcp sessions heartbeat --zone z1 --id ${id}`)
    const beat = await run('sessions', 'heartbeat', '--zone', 'z1', '--id', id)
    expect(beat.stdout).toMatch(new RegExp(`^agent session ${id}: expires_at \\S+Z\\n$`))
  })

  it('answers mistakes with one line: usage (exit 2) or what is wrong (exit 1)', async () => {
    const lifecycle = await run('sessions', 'start', '--zone', 'z1', '--application', 'agent-1', '--lifecycle', 'forever')
    expect(lifecycle.code).toBe(2)
    expect(lifecycle.stderr).toContain('caracal-mcp: --lifecycle is task or service')
    const both = await run('token', '--zone', 'z1', '--application', 'agent-1', '--session', 's', '--resource', 'resource://x')
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('--resource does not go with --session')
    const zone = await run('sessions', 'list', '--zone', 'nowhere')
    expect(zone.code).toBe(1)
    expect(zone.stderr).toMatch(/^caracal-mcp: zone nowhere does not exist \(zones come from policy\.zones in .*\)\n$/)
    const app = await run('sessions', 'start', '--zone', 'z1', '--application', 'nobody')
    expect(app).toMatchObject({ code: 1, stderr: 'caracal-mcp: application nobody does not exist in zone z1\n' })
    const mixed = await run('sessions', 'start', '--zone', 'z1', '--application', 'agent-1', '--heartbeat', '30')
    expect(mixed).toMatchObject({ code: 1, stderr: 'caracal-mcp: a task session has a TTL, not a heartbeat\n' })
  })

  it('revokes an application\'s authority records, naming exactly one target', async () => {
    const started = await run('sessions', 'start', '--zone', 'z1', '--application', 'agent-1')
    const sessionId = /agent_session_id: (\S+)/.exec(started.stdout)![1]!
    expect((await run('token', '--zone', 'z1', '--application', 'agent-1', '--session', sessionId)).code).toBe(0)
    const revoked = await run('revoke', 'authority', '--zone', 'z1', '--application', 'agent-1', '--reason', 'compromised')
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(revoked.stdout).toMatch(/^[1-9]\d* authority record\(s\) revoked\n$/)
    expect(await run('revoke', 'authority', '--zone', 'z1', '--application', 'agent-1', '--subject', 'x')).toMatchObject({ code: 2 })
  })

  it('lists pending approvals, approves and rejects them as operator:cli, and refuses a second decision', async () => {
    const approveId = '0190a000-0000-7000-8000-00000000c1a1'
    const rejectId = '0190a000-0000-7000-8000-00000000c1a2'
    await openHold(approveId, 'a1'.repeat(32))
    await openHold(rejectId, 'a2'.repeat(32))
    const pending = await run('approvals', 'list', '--zone', 'z1', '--state', 'pending')
    expect(pending.code, pending.stderr).toBe(0)
    const lines = pending.stdout.trim().split('\n')
    expect(lines.map((l) => l.split('\t').slice(0, 5))).toEqual(expect.arrayContaining([[approveId, 'pending', 'high', 'operator', 'agent-1'], [rejectId, 'pending', 'high', 'operator', 'agent-1']]))

    const approved = await run('approvals', 'approve', '--zone', 'z1', '--id', approveId, '--reason', 'change ticket 7')
    expect(approved).toMatchObject({ code: 0, stdout: `approval ${approveId} approved (tier high; resource://files/write files:write)\n` })
    const again = await run('approvals', 'approve', '--zone', 'z1', '--id', approveId)
    expect(again).toMatchObject({ code: 1, stderr: `caracal-mcp: approval ${approveId} is approved; only a pending approval can be decided\n` })
    expect((await run('approvals', 'reject', '--zone', 'z1', '--id', rejectId)).code).toBe(0)
    expect((await run('approvals', 'list', '--zone', 'z1', '--state', 'pending')).stdout).toBe('')

    const store = openStore(join(config, '..', 'state.sqlite'))
    try {
      expect(store.approvals.get(approveId)).toMatchObject({ state: 'approved', decidedBy: 'operator:cli', decisionReason: 'change ticket 7' })
      expect(store.approvals.get(rejectId)).toMatchObject({ state: 'rejected', decidedBy: 'operator:cli' })
    } finally {
      store.close()
    }
    const badState = await run('approvals', 'list', '--zone', 'z1', '--state', 'maybe')
    expect(badState.code).toBe(2)
    expect(badState.stderr).toContain('--state is pending, approved, rejected, expired or consumed')
  })
})

describe('caracal-mcp sessions spawn|suspend|resume and delegations', () => {
  const env = { CARACAL_MCP_AUDIT_HMAC_KEY: 'ab'.repeat(32), CARACAL_MCP_SEALING_KEY: 'cd'.repeat(32), CARACAL_MCP_ADMIN_TOKEN: 'test-only-admin-token-of-the-cli-tests-0123' }
  let config: string

  const run = (...args: string[]) => cliWithEnv(env, ...args, '--config', config)
  const idOf = (stdout: string, name: string) => new RegExp(`${name}: (\\S+)`).exec(stdout)![1]!

  async function start(application: string): Promise<string> {
    const started = await run('sessions', 'start', '--zone', 'z1', '--application', application)
    expect(started.code, started.stderr).toBe(0)
    return idOf(started.stdout, 'agent_session_id')
  }

  beforeAll(async () => {
    const sub = mkdtempSync(join(dir, 'delegations-'))
    writeFileSync(join(sub, 'data.json'), '{}')
    config = join(sub, 'mcp.config.json')
    const resources = { 'resource://files/read': { scopes: ['files:read'] }, 'resource://files/write': { scopes: ['files:write'] } }
    writeFileSync(config, JSON.stringify({ policy: { zones: { z1: { data: 'data.json', resources } } }, store: { path: 'state.sqlite' } }))
    for (const id of ['agent-a', 'agent-b']) expect((await run('applications', 'create', '--zone', 'z1', '--name', id, '--id', id)).code).toBe(0)
  })

  it('spawns a narrowed child, refuses one beyond it, and suspends and resumes the parent', async () => {
    const parent = await start('agent-a')
    const spawned = await run('sessions', 'spawn', '--zone', 'z1', '--application', 'agent-a', '--parent', parent, '--authority', 'narrow', '--scopes', 'files:read', '--resources', 'resource://files/read', '--ttl', '300', '--label', 'agent-a')
    expect(spawned.code, spawned.stderr).toBe(0)
    const child = idOf(spawned.stdout, 'agent_session_id')
    expect(spawned.stdout).toMatch(new RegExp(`^agent_session_id: \\S+\\nparent_session_id: ${parent}\\nexpires_at: \\S+Z\\nauthority: narrow \\(scopes files:read; resources resource://files/read\\)\\n$`))
    const listed = await run('sessions', 'list', '--zone', 'z1', '--application', 'agent-a')
    expect(listed.stdout).toContain(`${child}\tactive\ttask\tagent-a`)

    const beyond = await run('sessions', 'spawn', '--zone', 'z1', '--application', 'agent-a', '--parent', child, '--authority', 'narrow', '--scopes', 'files:write', '--resources', 'resource://files/write')
    expect(beyond).toMatchObject({ code: 1, stderr: "caracal-mcp: scope files:write is beyond the parent session's authority\n" })
    // Labels are roles: a child holds only its parent's.
    const relabelled = await run('sessions', 'spawn', '--zone', 'z1', '--application', 'agent-a', '--parent', parent, '--label', 'admin')
    expect(relabelled).toMatchObject({ code: 1, stderr: "caracal-mcp: label admin is not one of the parent session's\n" })
    const loose = await run('sessions', 'spawn', '--zone', 'z1', '--application', 'agent-a', '--parent', parent, '--scopes', 'files:read')
    expect(loose.code).toBe(2)
    expect(loose.stderr).toContain('caracal-mcp: --scopes and --resources go with --authority narrow')

    const suspended = await run('sessions', 'suspend', '--zone', 'z1', '--id', parent, '--reason', 'incident')
    expect(suspended).toMatchObject({ code: 0, stdout: `suspended: ${parent} (0 authority record(s) revoked; resume with: caracal-mcp sessions resume --zone z1 --id ${parent})\n` })
    expect((await run('sessions', 'list', '--zone', 'z1', '--status', 'suspended')).stdout).toContain(`${parent}\tsuspended`)
    const under = await run('sessions', 'spawn', '--zone', 'z1', '--application', 'agent-a', '--parent', child)
    expect(under).toMatchObject({ code: 1, stderr: `caracal-mcp: agent session ${child} is under a suspended session\n` })
    const resumed = await run('sessions', 'resume', '--zone', 'z1', '--id', parent)
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stdout).toMatch(new RegExp(`^resumed: ${parent} \\(expires_at \\S+Z\\)\\n$`))
  })

  it('creates a delegation to another application, accepts it for the receiver, lists it, and revokes it with its cascade', async () => {
    const source = await start('agent-a')
    const target = await start('agent-b')
    const below = await start('agent-b')
    const created = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', source, '--target', target, '--scopes', 'files:read', '--resource', 'resource://files/read', '--ttl', '600', '--max-hops', '2')
    expect(created.code, created.stderr).toBe(0)
    const edge = idOf(created.stdout, 'delegation_edge_id')
    expect(created.stdout).toContain(`It confers nothing until agent-b accepts it: caracal-mcp delegations accept --zone z1 --id ${edge} --application agent-b`)

    const wrong = await run('delegations', 'accept', '--zone', 'z1', '--id', edge, '--application', 'agent-a')
    expect(wrong).toMatchObject({ code: 1, stderr: 'caracal-mcp: only the receiver application may accept a delegation\n' })
    expect(await run('delegations', 'accept', '--zone', 'z1', '--id', edge, '--application', 'agent-b')).toMatchObject({ code: 0, stdout: `delegation ${edge} accepted by agent-b\n` })

    const downstream = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-b', '--source', target, '--target', below, '--scopes', 'files:read', '--resources', 'resource://files/read', '--ttl', '300')
    expect(downstream.code, downstream.stderr).toBe(0)
    const second = idOf(downstream.stdout, 'delegation_edge_id')
    expect(downstream.stdout).not.toContain('accepts it')

    const listed = await run('delegations', 'list', '--zone', 'z1', '--session', target)
    const lines = listed.stdout.trim().split('\n').map((l) => l.split('\t'))
    expect(lines.map((l) => [l[0], l[1], l[4], l[5], l[7]]).sort()).toEqual(
      [[edge, 'active', 'agent-a->agent-b', 'files:read', 'accepted'], [second, 'active', 'agent-b->agent-b', 'files:read', 'accepted']].sort(),
    )

    const revoked = await run('delegations', 'revoke', '--zone', 'z1', '--id', edge, '--reason', 'done')
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(revoked.stdout.trim().split('\n').sort()).toEqual([`revoked: ${edge}`, `revoked: ${second}`, `terminated: ${target}`, `terminated: ${below}`].sort())
    expect((await run('delegations', 'list', '--zone', 'z1', '--session', source)).stdout).toMatch(new RegExp(`^${edge}\\trevoked\\t`))
    expect(await run('delegations', 'revoke', '--zone', 'z1', '--id', edge)).toMatchObject({ code: 1, stderr: `caracal-mcp: delegation ${edge} is revoked already\n` })
  })

  it('creates a broad edge as an operator, and answers mistakes with one line', async () => {
    const [a, b] = [await start('agent-a'), await start('agent-a')]
    const broad = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', a, '--target', b, '--scopes', 'files:read', '--expires-at', new Date(Date.now() + 600_000).toISOString())
    expect(broad.code, broad.stderr).toBe(0)
    expect(broad.stdout).toContain('This edge is bound to no resource (broad), which only an operator may create.')

    const noExpiry = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', a, '--target', b, '--scopes', 'files:read', '--resource', 'resource://files/read')
    expect(noExpiry).toMatchObject({ code: 1, stderr: 'caracal-mcp: a delegation needs expires_at or ttl_seconds\n' })
    const both = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', a, '--target', b, '--scopes', 'files:read', '--ttl', '60', '--expires-at', '2030-01-01T00:00:00Z')
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('caracal-mcp: give --ttl or --expires-at, not both')
    const self = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', a, '--target', a, '--scopes', 'files:read', '--ttl', '60')
    expect(self).toMatchObject({ code: 1, stderr: 'caracal-mcp: source and target are the same session\n' })
    const hops = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', a, '--target', b, '--scopes', 'files:read', '--ttl', '60', '--max-hops', 'many')
    expect(hops.code).toBe(2)
  })
})
