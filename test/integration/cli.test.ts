// Runs the built caracal-mcp command as a user does (node dist/…, built by `npm test`'s pretest)
// and checks what it prints and its exit codes, including the one-line errors with their codes
// (usage only for a command line that cannot run; --help anywhere): start (its printed commands
// run as printed, with its --config, on a first and a second run), policy, audit, agent sessions
// (spawn, suspend, resume, expiry included), delegations (create, accept, list, revoke with its
// cascade, twice), operator approval decisions (by id alone, as the proxy's tool error prints the
// command), unreadable files, and the agent mandate of `token --session` with the issuer it names.
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
// CARACAL_MCP_TEST_CLI runs another build of the CLI (one not in the shared dist/) through the same tests.
const bin = process.env.CARACAL_MCP_TEST_CLI ?? join(root, 'dist', 'src', 'cli', 'main.js')
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


/** Opens a pending operator hold of agent-1 in zone z1 directly in the config's store, as the STS would. */
async function openOperatorHold(config: string, hmacHex: string, id: string, binding: string): Promise<void> {
  const store = openStore(join(config, '..', 'state.sqlite'))
  const audit = new AuditLog(store.auditEvents, { hmacKey: Buffer.from(hmacHex, 'hex') })
  await new Approvals({ store, audit }).open({
    id, zoneId: 'z1', applicationId: 'agent-1', subject: 'agent-1', subjectType: 'application' as const, binding, requestId: `open-${id}`,
    requirement: { tier: 'high', approver: 'operator', privacy: 'identified', ttlSeconds: 900 }, resources: ['resource://files/write'], scopes: ['files:write'],
  })
  await audit.flushed()
  store.close()
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
      // A first run on a new database: demo-agent does not exist yet, so the step creates it; the
      // default config needs no --config; the environment the commands must share is named.
      expect(stdout).toContain('npx caracal-mcp applications create --zone demo --name "Demo agent" --id demo-agent   # prints, once, the secret')
      expect(stdout).not.toContain(' --config')
      expect(stdout).toContain('(run these with the environment this start has: CARACAL_MCP_DATABASE, CARACAL_MCP_PORT, CARACAL_MCP_ISSUER, CARACAL_MCP_SEALING_KEY, CARACAL_MCP_AUDIT_HMAC_KEY set as here')
      expect(stdout).not.toContain('ab'.repeat(32))

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
      // The command the held call's tool error prints runs as printed.
      const approve = /An operator approves it with: caracal-mcp (approvals approve \S+)\./.exec(stdout)![1]!
      const approved = await cliWithEnv(env, ...approve.split(' '))
      expect(approved.code, approved.stderr).toBe(0)
      expect(approved.stdout).toMatch(/^approval \S+ approved \(zone demo; tier /)
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
      // Every command it prints acts on this config's database; the walkthrough's own application
      // (registered by this start) is not offered for creation, only a new secret.
      const printed = stdout.split('\n').filter((line) => line.includes('npx caracal-mcp '))
      expect(printed.length).toBeGreaterThan(4)
      for (const line of printed) expect(line).toContain('--config fixtures/hops/mcp.config.json')
      expect(stdout).not.toContain('applications create')
      expect(stdout).toContain('npx caracal-mcp applications rotate-secret --zone hops --id hops-client --config fixtures/hops/mcp.config.json')
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

  it('start on a database where demo-agent exists (a second npm start) offers a new secret for it, not its creation', async () => {
    const env = { CARACAL_MCP_PORT: '0', CARACAL_MCP_DATABASE: join(dir, 'again.sqlite'), CARACAL_MCP_AUDIT_HMAC_KEY: 'ab'.repeat(32), CARACAL_MCP_SEALING_KEY: 'cd'.repeat(32) }
    expect((await cliWithEnv(env, 'applications', 'create', '--zone', 'demo', '--name', 'Demo agent', '--id', 'demo-agent')).code).toBe(0)
    const child = spawn(process.execPath, [bin, 'start', '--no-walkthrough'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      await vi.waitFor(() => expect(stdout).toContain('Ctrl-C stops the server.'), { timeout: 15_000, interval: 50 })
      expect(stdout).not.toContain('applications create')
      expect(stdout).not.toContain('walkthrough')
      const step = /npx caracal-mcp (applications rotate-secret --zone demo --id demo-agent) +# demo-agent exists/.exec(stdout)
      expect(step).not.toBeNull()
      const rotated = await cliWithEnv(env, ...step![1]!.split(' '))
      expect(rotated.code, rotated.stderr).toBe(0)
      expect(rotated.stdout).toMatch(/^client_secret: \S+\n/)
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
    expect(stderr).toMatch(/^caracal-mcp: ERR_CONFIG_INVALID: zone "z1" \(.*data\.json\): policy data document "approval_tiers" is invalid at \[0\]\.approver: /)
  })

  it('answers a usage mistake with exit 2, its code and the usage of that command only', async () => {
    const { code, stderr } = await cli('policy', 'eval', '--inputt', 'x')
    expect(code).toBe(2)
    expect(stderr).toMatch(/^caracal-mcp: ERR_CLI_USAGE: unknown option --inputt\nusage: caracal-mcp/)
    expect(stderr).toContain('policy eval --input <file|->')
    expect(stderr).not.toContain('audit verify')
  })

  it('prints the usage for --help or -h after any command (exit 0), the command\'s part of it, start --no-walkthrough included', async () => {
    for (const args of [['start', '--help'], ['approvals', 'approve', '-h'], ['config', 'schema', '--help'], ['token', '--zone', 'z', '--help'], ['client-config', '--help'], ['audit', 'query', '--help']]) {
      const { code, stdout, stderr } = await cli(...args)
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: '' })
      expect(stdout).toMatch(new RegExp(`^usage: caracal-mcp .*\\n  ${args[0]} `))
      expect(stdout).not.toContain('unknown option')
    }
    expect((await cli('start', '--help')).stdout).toContain('[--no-walkthrough]')
    expect((await cli('config', 'schema', '--help')).stdout).not.toContain('config has one command')
    expect((await cli('approvals', '--help')).stdout).toContain('approvals approve|reject <id> [--zone id]')
    const whole = await cli('--help')
    expect(whole.code).toBe(0)
    expect(whole.stdout).toContain('start [--config mcp.config.json] [--no-walkthrough]')
    expect(whole.stdout).toContain('audit explain <request-id>')
  })

  it('turns an unreadable file named on the command line into one line naming the option and the file (exit 1, no usage, no stack)', async () => {
    const missing = join(dir, 'no-such-secret')
    const token = await cliWithEnv({ CARACAL_MCP_CLIENT_SECRET: '' }, 'token', '--zone', 'demo', '--application', 'demo-agent', '--session', 's', '--secret-file', missing)
    expect(token).toMatchObject({ code: 1, stdout: '', stderr: `caracal-mcp: ERR_CLI_FILE_UNREADABLE: cannot read --secret-file ${missing}: no such file\n` })
    const directory = await cli('token', '--zone', 'demo', '--application', 'demo-agent', '--session', 's', '--secret-file', dir)
    expect(directory).toMatchObject({ code: 1, stderr: `caracal-mcp: ERR_CLI_FILE_UNREADABLE: cannot read --secret-file ${dir}: it is a directory\n` })
    writeFileSync(join(dir, 'empty-secret'), '\n')
    expect(await cli('token', '--zone', 'demo', '--application', 'demo-agent', '--session', 's', '--secret-file', join(dir, 'empty-secret'))).toMatchObject({ code: 1, stderr: `caracal-mcp: ERR_CLI_FILE_INVALID: --secret-file ${join(dir, 'empty-secret')} is empty\n` })
    const input = await cli('policy', 'eval', '--input', missing)
    expect(input).toMatchObject({ code: 1, stderr: `caracal-mcp: ERR_CLI_FILE_UNREADABLE: cannot read --input ${missing}: no such file\n` })
    writeFileSync(join(dir, 'not-json'), 'nope')
    const notJson = await cli('policy', 'eval', '--input', join(dir, 'not-json'))
    expect(notJson.code).toBe(1)
    expect(notJson.stderr).toMatch(/^caracal-mcp: ERR_CLI_FILE_INVALID: --input \S+not-json is not valid JSON: .*\n$/)
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
    // A request with no events is exit 1 and says so, as explain does: a mistyped id must be told apart.
    expect(await cliWithEnv(env, 'audit', 'query', '--request-id', 'req-nope', '--config', config)).toMatchObject({ code: 1, stdout: '', stderr: 'caracal-mcp: no audit events for request req-nope\n' })
    const tail = await cliWithEnv(env, 'audit', 'tail', '--zone', 'z1', '--limit', '2', '--config', config)
    expect(tail.stdout.trim().split('\n').map((l) => JSON.parse(l).chain_seq)).toEqual([2, 3])
  })

  it('verify and tail --zone of a zone the database does not have is an error naming it, not a report', async () => {
    const config = await auditedConfig()
    for (const sub of ['verify', 'tail']) {
      const nope = await cliWithEnv(env, 'audit', sub, '--zone', 'nope', '--config', config)
      expect(nope).toMatchObject({ code: 1, stdout: '' })
      expect(nope.stderr).toMatch(/^caracal-mcp: ERR_STORE_NOT_FOUND: zone nope does not exist in the database \S+state\.sqlite \(z1\)\n$/)
    }
    expect(await cliWithEnv(env, 'audit', 'verify', '--zone', 'z1', '--config', config)).toMatchObject({ code: 0, stdout: expect.stringContaining('zone z1: 3 events, chain intact') })
  })

  it('verify without an audit key fails (exit 1) and creates no development secrets file', async () => {
    const config = await auditedConfig()
    const failed = await cliWithEnv({ CARACAL_MCP_AUDIT_HMAC_KEY: '', CARACAL_MCP_SEALING_KEY: '' }, 'audit', 'verify', '--config', config)
    expect(failed).toMatchObject({ code: 1, stdout: '' })
    expect(failed.stderr).toContain('caracal-mcp: ERR_AUDIT_KEY_UNAVAILABLE: no audit key: set CARACAL_MCP_AUDIT_HMAC_KEY')
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

  const openHold = (id: string, binding: string) => openOperatorHold(config, hmacHex, id, binding)

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
    expect(listed.stdout.split('\n')[0]).toBe('ID\tSTATUS\tLIFECYCLE\tAPPLICATION\tEXPIRES_AT\tLABELS')
    expect(listed.stdout.split('\n')).toContain(`${id}\tactive\ttask\tagent-1\t${expires}\tagent-1,reviewer`)

    const token = await run('token', '--zone', 'z1', '--application', 'agent-1', '--session', id!)
    expect(token.code, token.stderr).toBe(0)
    // The issuer it was minted for, and where that came from (no issuer in this config: the listen address).
    expect(token.stderr).toMatch(/^caracal-mcp: token: agent mandate for issuer http:\/\/127\.0\.0\.1:8780 \(the listen address of \S+mcp\.config\.json\), expires in \d+ s; a server started with another issuer or address refuses it/m)
    expect(token.stderr).not.toContain(token.stdout.trim())
    const elsewhere = await cliWithEnv({ ...env, CARACAL_MCP_CLIENT_SECRET: secret, CARACAL_MCP_ISSUER: 'http://127.0.0.1:9999' }, 'token', '--zone', 'z1', '--application', 'agent-1', '--session', id!, '--ttl', '60', '--config', config)
    expect(elsewhere.stderr).toContain('agent mandate for issuer http://127.0.0.1:9999 (from CARACAL_MCP_ISSUER), expires in 60 s')
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
    expect(refused.stderr).toMatch(/^caracal-mcp: ERR_STS_\w+ \(\w+\): /)
  })

  it('lists a session past its TTL as expired, not active, and filters by that status', async () => {
    const started = await run('sessions', 'start', '--zone', 'z1', '--application', 'agent-1', '--ttl', '1', '--label', 'lapsing')
    const id = /agent_session_id: (\S+)/.exec(started.stdout)![1]!
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect((await run('sessions', 'list', '--zone', 'z1')).stdout).toMatch(new RegExp(`^${id}\\texpired\\ttask\\t`, 'm'))
    expect((await run('sessions', 'list', '--zone', 'z1', '--status', 'active')).stdout).not.toContain(id)
    const expired = await run('sessions', 'list', '--zone', 'z1', '--status', 'expired')
    expect(expired.stdout.trim().split('\n').slice(1).map((l) => l.split('\t')[1])).toEqual(expect.arrayContaining(['expired']))
    expect(expired.stdout.trim().split('\n').slice(1).every((l) => l.split('\t')[1] === 'expired')).toBe(true)
    expect(expired.stdout).toContain(id)
    // Terminating it still works, and ending it twice is no failure.
    expect(await run('sessions', 'terminate', '--zone', 'z1', '--id', id)).toMatchObject({ code: 0, stdout: `terminated: ${id}\n` })
    expect(await run('sessions', 'terminate', '--zone', 'z1', '--id', id)).toMatchObject({ code: 0, stdout: `agent session ${id} was terminated already\n` })
  })

  it('refuses to create an application that exists, naming the command that gives it a new secret', async () => {
    const again = await run('applications', 'create', '--zone', 'z1', '--name', 'Agent one', '--id', 'agent-1')
    expect(again).toMatchObject({ code: 1, stdout: '', stderr: `caracal-mcp: ERR_STORE_CONFLICT: application agent-1 already exists; for a new secret of it: caracal-mcp applications rotate-secret --zone z1 --id agent-1 --config ${config}\n` })
  })

  it('lists zones, applications and resources under a header, with a name\'s control characters escaped', async () => {
    const odd = await run('applications', 'create', '--zone', 'z1', '--name', 'Odd\tname\u001b[2J', '--id', 'agent-odd')
    expect(odd.code, odd.stderr).toBe(0)
    expect((await run('zones', 'list')).stdout).toBe('ID\tNAME\nz1\tz1\n')
    const apps = (await run('applications', 'list', '--zone', 'z1')).stdout.split('\n')
    expect(apps[0]).toBe('ID\tSTATUS\tREGISTRATION\tNAME')
    expect(apps).toContain('agent-1\tactive\tmanaged\tAgent one')
    expect(apps).toContain('agent-odd\tactive\tmanaged\tOdd\\u0009name\\u001b[2J')
    expect(await run('resources', 'list', '--zone', 'z1')).toMatchObject({ code: 0, stdout: '' })
    expect((await run('resources', 'register', '--zone', 'z1', '--identifier', 'resource://cli/notes', '--scopes', 'notes:read,notes:write')).code).toBe(0)
    expect((await run('resources', 'list', '--zone', 'z1')).stdout).toBe('IDENTIFIER\tSCOPES\nresource://cli/notes\tnotes:read notes:write\n')
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
    expect(lifecycle.stderr).toContain('caracal-mcp: ERR_CLI_USAGE: --lifecycle is task or service')
    // Bounds the CLI can check name the flag, not the API field (ttl_seconds) the operation would.
    expect(await run('sessions', 'start', '--zone', 'z1', '--application', 'agent-1', '--ttl', '100000')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^caracal-mcp: ERR_CLI_USAGE: --ttl is a whole number of seconds from 1 to 86400\n/) })
    expect(await run('sessions', 'start', '--zone', 'z1', '--application', 'agent-1', '--lifecycle', 'service', '--heartbeat', '5')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^caracal-mcp: ERR_CLI_USAGE: --heartbeat is a whole number of seconds from 10 to 3600\n/) })
    expect(await run('token', '--zone', 'z1', '--application', 'agent-1', '--session', 's', '--ttl', '3601')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^caracal-mcp: ERR_CLI_USAGE: --ttl is a whole number of seconds from 1 to 3600\n/) })
    const both = await run('token', '--zone', 'z1', '--application', 'agent-1', '--session', 's', '--resource', 'resource://x')
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('--resource does not go with --session')
    const zone = await run('sessions', 'list', '--zone', 'nowhere')
    expect(zone.code).toBe(1)
    expect(zone.stderr).toMatch(/^caracal-mcp: ERR_STORE_NOT_FOUND: zone nowhere does not exist \(zones come from policy\.zones in .*\)\n$/)
    const app = await run('sessions', 'start', '--zone', 'z1', '--application', 'nobody')
    expect(app).toMatchObject({ code: 1, stderr: 'caracal-mcp: ERR_STORE_NOT_FOUND: application nobody does not exist in zone z1\n' })
    const mixed = await run('sessions', 'start', '--zone', 'z1', '--application', 'agent-1', '--heartbeat', '30')
    expect(mixed).toMatchObject({ code: 1, stderr: 'caracal-mcp: ERR_SESSION_INPUT_INVALID: a task session has a TTL, not a heartbeat\n' })
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
    expect(lines[0]).toBe('ID\tSTATE\tTIER\tAPPROVER\tAPPLICATION\tSESSION\tRESOURCES\tSCOPES\tEXPIRES_AT')
    expect(lines.map((l) => l.split('\t').slice(0, 5))).toEqual(expect.arrayContaining([[approveId, 'pending', 'high', 'operator', 'agent-1'], [rejectId, 'pending', 'high', 'operator', 'agent-1']]))

    const approved = await run('approvals', 'approve', '--zone', 'z1', '--id', approveId, '--reason', 'change ticket 7')
    expect(approved).toMatchObject({ code: 0, stdout: `approval ${approveId} approved (zone z1; tier high; resource://files/write files:write)\n` })
    const again = await run('approvals', 'approve', '--zone', 'z1', '--id', approveId)
    expect(again).toMatchObject({ code: 1, stderr: `caracal-mcp: ERR_APPROVAL_NOT_PENDING: approval ${approveId} is approved; only a pending approval can be decided\n` })
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
    expect(badState.stderr).not.toContain('sessions start')
    expect(badState.code).toBe(2)
    expect(badState.stderr).toContain('--state is pending, approved, rejected, expired or consumed')
  })
})

describe('caracal-mcp approvals approve|reject <id>, as the proxy\'s tool error prints it', () => {
  const hmacHex = 'ab'.repeat(32)
  const env = { CARACAL_MCP_AUDIT_HMAC_KEY: hmacHex, CARACAL_MCP_SEALING_KEY: 'cd'.repeat(32), CARACAL_MCP_ADMIN_TOKEN: 'test-only-admin-token-of-the-cli-tests-0123' }
  let config: string
  const run = (...args: string[]) => cliWithEnv(env, ...args, '--config', config)

  const openHold = (id: string, binding: string) => openOperatorHold(config, hmacHex, id, binding)

  beforeAll(async () => {
    const sub = mkdtempSync(join(dir, 'approvals-'))
    writeFileSync(join(sub, 'data.json'), '{}')
    config = join(sub, 'mcp.config.json')
    writeFileSync(config, JSON.stringify({ policy: { zones: { z1: { data: 'data.json' }, z2: { data: 'data.json' } } }, store: { path: 'state.sqlite' } }))
    expect((await run('applications', 'create', '--zone', 'z1', '--name', 'Agent one', '--id', 'agent-1')).code).toBe(0)
  })

  it('takes the id as a word and the zone from the hold; --zone, when given, must be the hold\'s; --id still works', async () => {
    const [a, b, c] = ['0190a000-0000-7000-8000-00000000d1a1', '0190a000-0000-7000-8000-00000000d1a2', '0190a000-0000-7000-8000-00000000d1a3']
    await openHold(a, 'b1'.repeat(32))
    await openHold(b, 'b2'.repeat(32))
    await openHold(c, 'b3'.repeat(32))
    expect(await run('approvals', 'approve', a)).toMatchObject({ code: 0, stdout: `approval ${a} approved (zone z1; tier high; resource://files/write files:write)\n` })
    const otherZone = await run('approvals', 'reject', b, '--zone', 'z2')
    expect(otherZone).toMatchObject({ code: 1, stderr: `caracal-mcp: ERR_APPROVAL_NOT_FOUND: approval ${b} does not exist in this zone\n` })
    expect(await run('approvals', 'reject', b, '--zone', 'z1', '--reason', 'no')).toMatchObject({ code: 0, stdout: expect.stringContaining(`approval ${b} rejected`) })
    expect(await run('approvals', 'approve', '--id', c)).toMatchObject({ code: 0 })
    expect(await run('approvals', 'approve', 'nope-id')).toMatchObject({ code: 1, stderr: 'caracal-mcp: ERR_APPROVAL_NOT_FOUND: approval nope-id does not exist in this zone\n' })
    const differing = await run('approvals', 'approve', a, '--id', b)
    expect(differing.code).toBe(2)
    expect(differing.stderr).toContain(`caracal-mcp: ERR_CLI_USAGE: ${a} and --id ${b} name different ids: give one`)
    expect((await run('approvals', 'approve')).stderr).toContain('ERR_CLI_USAGE: approvals approve needs the approval id: approvals approve <id>')
    expect((await run('approvals', 'list', a, '--zone', 'z1')).code).toBe(2)
    const store = openStore(join(config, '..', 'state.sqlite'))
    try {
      expect([store.approvals.get(a)?.state, store.approvals.get(b)?.state, store.approvals.get(c)?.state]).toEqual(['approved', 'rejected', 'approved'])
    } finally {
      store.close()
    }
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
    expect(beyond).toMatchObject({ code: 1, stderr: expect.stringMatching(/^caracal-mcp: ERR_\w+: scope files:write is beyond the parent session's authority\n$/) })
    // Labels are roles: a child holds only its parent's.
    const relabelled = await run('sessions', 'spawn', '--zone', 'z1', '--application', 'agent-a', '--parent', parent, '--label', 'admin')
    expect(relabelled).toMatchObject({ code: 1, stderr: expect.stringMatching(/^caracal-mcp: ERR_\w+: label admin is not one of the parent session's\n$/) })
    const loose = await run('sessions', 'spawn', '--zone', 'z1', '--application', 'agent-a', '--parent', parent, '--scopes', 'files:read')
    expect(loose.code).toBe(2)
    expect(loose.stderr).toContain('caracal-mcp: ERR_CLI_USAGE: --scopes and --resources go with --authority narrow')

    const suspended = await run('sessions', 'suspend', '--zone', 'z1', '--id', parent, '--reason', 'incident')
    expect(suspended).toMatchObject({ code: 0, stdout: `suspended: ${parent} (0 authority record(s) revoked; resume with: caracal-mcp sessions resume --zone z1 --id ${parent} --config ${config})\n` })
    expect((await run('sessions', 'list', '--zone', 'z1', '--status', 'suspended')).stdout).toContain(`${parent}\tsuspended`)
    const under = await run('sessions', 'spawn', '--zone', 'z1', '--application', 'agent-a', '--parent', child)
    expect(under).toMatchObject({ code: 1, stderr: expect.stringMatching(new RegExp(`^caracal-mcp: ERR_\\w+: agent session ${child} is under a suspended session\\n$`)) })
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
    expect(created.stdout).toContain(`It confers nothing until agent-b accepts it: caracal-mcp delegations accept --zone z1 --id ${edge} --application agent-b --config ${config}`)

    const wrong = await run('delegations', 'accept', '--zone', 'z1', '--id', edge, '--application', 'agent-a')
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringMatching(/^caracal-mcp: ERR_DELEGATION_REFUSED \(\w+\): only the receiver application may accept a delegation\n$/) })
    expect(await run('delegations', 'accept', '--zone', 'z1', '--id', edge, '--application', 'agent-b')).toMatchObject({ code: 0, stdout: `delegation ${edge} accepted by agent-b\n` })

    const downstream = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-b', '--source', target, '--target', below, '--scopes', 'files:read', '--resources', 'resource://files/read', '--ttl', '300')
    expect(downstream.code, downstream.stderr).toBe(0)
    const second = idOf(downstream.stdout, 'delegation_edge_id')
    expect(downstream.stdout).not.toContain('accepts it')

    const listed = await run('delegations', 'list', '--zone', 'z1', '--session', target)
    expect(listed.stdout.split('\n')[0]).toBe('ID\tSTATUS\tSOURCE\tTARGET\tISSUER->RECEIVER\tSCOPES\tEXPIRES_AT\tACCEPTANCE')
    const lines = listed.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'))
    expect(lines.map((l) => [l[0], l[1], l[4], l[5], l[7]]).sort()).toEqual(
      [[edge, 'active', 'agent-a->agent-b', 'files:read', 'accepted'], [second, 'active', 'agent-b->agent-b', 'files:read', 'accepted']].sort(),
    )

    const revoked = await run('delegations', 'revoke', '--zone', 'z1', '--id', edge, '--reason', 'done')
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(revoked.stdout.trim().split('\n').sort()).toEqual([`revoked: ${edge}`, `revoked: ${second}`, `terminated: ${target}`, `terminated: ${below}`].sort())
    expect((await run('delegations', 'list', '--zone', 'z1', '--session', source)).stdout).toMatch(new RegExp(`^${edge}\\trevoked\\t`, 'm'))
    // As terminating an ended session: what was asked for holds, so exit 0, saying so.
    expect(await run('delegations', 'revoke', '--zone', 'z1', '--id', edge)).toMatchObject({ code: 0, stdout: `delegation ${edge} was revoked already\n` })
  })

  it('creates a broad edge as an operator, and answers mistakes with one line', async () => {
    const [a, b] = [await start('agent-a'), await start('agent-a')]
    const broad = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', a, '--target', b, '--scopes', 'files:read', '--expires-at', new Date(Date.now() + 600_000).toISOString())
    expect(broad.code, broad.stderr).toBe(0)
    expect(broad.stdout).toContain('This edge is bound to no resource (broad), which only an operator may create.')

    const noExpiry = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', a, '--target', b, '--scopes', 'files:read', '--resource', 'resource://files/read')
    expect(noExpiry.code).toBe(2)
    expect(noExpiry.stderr).toMatch(/^caracal-mcp: ERR_CLI_USAGE: a delegation needs an expiry: give --ttl <seconds> or --expires-at <RFC 3339 time>\n/)
    expect((await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', a, '--target', b, '--scopes', 'files:read', '--ttl', '86401')).stderr).toContain('ERR_CLI_USAGE: --ttl is a whole number of seconds from 1 to 86400')
    const both = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', a, '--target', b, '--scopes', 'files:read', '--ttl', '60', '--expires-at', '2030-01-01T00:00:00Z')
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('caracal-mcp: ERR_CLI_USAGE: give --ttl or --expires-at, not both')
    const self = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', a, '--target', a, '--scopes', 'files:read', '--ttl', '60')
    // The Coordinator's wire code beside ours, as the README promises Caracal's codes.
    expect(self).toMatchObject({ code: 1, stderr: 'caracal-mcp: ERR_DELEGATION_REFUSED (self_delegation_denied): source and target are the same session\n' })
    const hops = await run('delegations', 'create', '--zone', 'z1', '--issuer', 'agent-a', '--source', a, '--target', b, '--scopes', 'files:read', '--ttl', '60', '--max-hops', 'many')
    expect(hops.code).toBe(2)
  })
})
