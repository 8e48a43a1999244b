// Runs the built `caracal-mcp client-config` as a user does (node dist/…, built by `npm test`'s
// pretest) and checks the entry each MCP client gets: its shape, the proxy URL in it (from the
// config, the environment or --url, per server or aggregated), that stdout holds the JSON alone
// with the guidance on stderr (for Claude Desktop: this installation's CLI by path, never npx, and
// a self-renewing mandate; for the HTTP clients: how long the bearer lasts), --url as a base URL
// or an endpoint, and that a bad --for or --server is a usage error (exit 2).
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../src/util/package-root.js'

const root = packageRoot()
// CARACAL_MCP_TEST_CLI runs another build of the CLI (one not in the shared dist/) through the same tests.
const bin = process.env.CARACAL_MCP_TEST_CLI ?? join(root, 'dist', 'src', 'cli', 'main.js')
const dir = mkdtempSync(join(tmpdir(), 'caracal-client-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const config = join(dir, 'mcp.config.json')
writeFileSync(
  config,
  JSON.stringify({
    policy: { zones: { z1: { data: 'data.json' } } },
    server: { host: '127.0.0.1', port: 8791 },
    mcpServers: { files: { command: 'node', args: ['files.js'] }, github: { url: 'https://example.com/mcp' }, notes: { command: 'node', args: ['notes.js'] } },
    protection: { files: { groups: { read: { tools: ['*'], scopes: ['files:read'] } } }, github: { groups: { all: { tools: ['*'], scopes: ['gh:use'] } } } },
  }),
)

// The listen address comes from the environment over the config: cleared unless a test sets it.
const NO_LISTEN_ENV = { CARACAL_MCP_HOST: '', CARACAL_MCP_PORT: '' }

async function clientConfig(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, 'client-config', ...args], { cwd: root, env: { ...process.env, ...NO_LISTEN_ENV, ...env } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** The printed JSON, after checking that the command succeeded and printed nothing else on stdout. */
async function snippet(...args: string[]): Promise<Record<string, any>> {
  const { code, stdout, stderr } = await clientConfig([...args, '--config', config])
  expect(code, stderr).toBe(0)
  return JSON.parse(stdout)
}

describe('caracal-mcp client-config', () => {
  it('claude-code: an http entry at /mcp with the token from ${CARACAL_MCP_TOKEN}', async () => {
    expect(await snippet('--for', 'claude-code')).toEqual({
      mcpServers: { caracal: { type: 'http', url: 'http://127.0.0.1:8791/mcp', headers: { Authorization: 'Bearer ${CARACAL_MCP_TOKEN}' } } },
    })
  })

  it('cursor: a url entry with the token from ${env:CARACAL_MCP_TOKEN}', async () => {
    expect(await snippet('--for', 'cursor')).toEqual({
      mcpServers: { caracal: { url: 'http://127.0.0.1:8791/mcp', headers: { Authorization: 'Bearer ${env:CARACAL_MCP_TOKEN}' } } },
    })
  })

  it('vscode: a password input and a server entry that reads it', async () => {
    const printed = await snippet('--for', 'vscode')
    expect(Object.keys(printed).sort()).toEqual(['inputs', 'servers'])
    expect(printed.inputs).toEqual([{ type: 'promptString', id: 'caracal-mcp-token', description: 'caracal-mcp agent mandate', password: true }])
    expect(printed.servers).toEqual({ caracal: { type: 'http', url: 'http://127.0.0.1:8791/mcp', headers: { Authorization: 'Bearer ${input:caracal-mcp-token}' } } })
  })

  it('claude: a stdio entry running this installation\'s bridge with node (never npx), renewing its own mandate from a secret file', async () => {
    const printed = await snippet('--for', 'claude')
    expect(printed).toEqual({
      mcpServers: {
        caracal: {
          command: 'node',
          args: [resolve(bin), 'stdio', '--url', 'http://127.0.0.1:8791/mcp', '--zone', '<zone>', '--application', '<application>'],
          env: { CARACAL_MCP_CLIENT_SECRET_FILE: '/path/to/client-secret' },
        },
      },
    })
    const cli = printed.mcpServers.caracal.args[0]
    expect(isAbsolute(cli) && existsSync(cli)).toBe(true)
    const { stderr } = await clientConfig(['--for', 'claude', '--config', config])
    expect(stderr).toContain(`the entry runs this installation's CLI with node: ${cli} (not npx`)
    expect(stderr).toContain('renews it before it expires')
    expect(stderr).toContain('starts a service session of its own')
    expect(stderr).toContain('CARACAL_MCP_CLIENT_SECRET_FILE')
    expect(stderr).not.toContain('CARACAL_MCP_TOKEN_FILE')
  })

  it('prints the JSON alone on stdout and the file and token steps on stderr, never a token', async () => {
    const { code, stdout, stderr } = await clientConfig(['--for', 'cursor', '--config', config], { CARACAL_MCP_CLIENT_SECRET: 'not-to-be-printed' })
    expect(code).toBe(0)
    expect(stdout.trimStart().startsWith('{')).toBe(true)
    expect(stderr).toContain('.cursor/mcp.json')
    expect(stderr).toContain(`node ${resolve(bin)} token --zone <zone> --application <app> --session <agent session id>`)
    expect(stderr).not.toContain('npx')
    expect(stderr).toContain('CARACAL_MCP_CLIENT_SECRET')
    expect(stdout + stderr).not.toContain('not-to-be-printed')
  })

  it('tells the HTTP clients that the bearer from token expires, when, and how to renew it', async () => {
    for (const client of ['claude-code', 'cursor', 'vscode']) {
      const { code, stderr } = await clientConfig(['--for', client, '--config', config])
      expect(code).toBe(0)
      expect(stderr).toContain('that mandate expires after 900 s (token --ttl gives up to 3600 s) and nothing renews it: run token again')
      expect(stderr).toContain('client-config --for claude prints that entry')
    }
  })

  it('--url takes the base URL or the endpoint (…/mcp, …/mcp/<server>), as stdio --url does', async () => {
    for (const url of ['http://127.0.0.1:8780', 'http://127.0.0.1:8780/', 'http://127.0.0.1:8780/mcp', 'http://127.0.0.1:8780/mcp/']) {
      const { code, stdout } = await clientConfig(['--for', 'claude-code', '--url', url])
      expect(code).toBe(0)
      expect(JSON.parse(stdout).mcpServers.caracal.url).toBe('http://127.0.0.1:8780/mcp')
    }
    // The server an endpoint names is the entry's, without the config (which may not be on this machine).
    const perServer = await clientConfig(['--for', 'claude', '--url', 'https://proxy.example.com/caracal/mcp/files', '--config', join(dir, 'missing.json')])
    expect(perServer.code, perServer.stderr).toBe(0)
    expect(JSON.parse(perServer.stdout).mcpServers['caracal-files'].args.slice(1, 6)).toEqual(['stdio', '--url', 'https://proxy.example.com/caracal/mcp/files', '--server', 'files'])
    const agreeing = await snippet('--for', 'cursor', '--url', 'http://127.0.0.1:8780/mcp/files', '--server', 'files')
    expect(agreeing.mcpServers['caracal-files'].url).toBe('http://127.0.0.1:8780/mcp/files')
    const differing = await clientConfig(['--for', 'cursor', '--url', 'http://127.0.0.1:8780/mcp/files', '--server', 'github', '--config', config])
    expect(differing.code).toBe(2)
    expect(differing.stderr).toContain('ERR_CLI_USAGE: --url names server files (…/mcp/files) but --server is github: give one')
  })

  it('--server: the per-server URL under the entry caracal-<server>, also in the bridge arguments', async () => {
    expect((await snippet('--for', 'claude-code', '--server', 'files')).mcpServers).toEqual({
      'caracal-files': { type: 'http', url: 'http://127.0.0.1:8791/mcp/files', headers: { Authorization: 'Bearer ${CARACAL_MCP_TOKEN}' } },
    })
    expect((await snippet('--for', 'claude', '--server', 'github')).mcpServers['caracal-github'].args.slice(1, 6)).toEqual(['stdio', '--url', 'http://127.0.0.1:8791/mcp/github', '--server', 'github'])
  })

  it('--server naming no protected server (none of that name, or one without protection) is a usage error that lists the protected ones', async () => {
    for (const server of ['gitlab', 'notes']) {
      const { code, stdout, stderr } = await clientConfig(['--for', 'cursor', '--server', server, '--config', config])
      expect(code).toBe(2)
      expect(stdout).toBe('')
      expect(stderr).toMatch(new RegExp(`^caracal-mcp: ERR_CLI_USAGE: there is no protected server ${server} in .*mcp\\.config\\.json \\(files, github\\)$`, 'm'))
    }
  })

  it('--url overrides the listen address, without its trailing slash', async () => {
    const printed = await snippet('--for', 'vscode', '--url', 'https://proxy.example.com/caracal/', '--server', 'files')
    expect(printed.servers['caracal-files'].url).toBe('https://proxy.example.com/caracal/mcp/files')
    // Without --server the config is not needed at all.
    const { code, stdout } = await clientConfig(['--for', 'cursor', '--url', 'https://proxy.example.com/', '--config', join(dir, 'missing.json')])
    expect(code).toBe(0)
    expect(JSON.parse(stdout).mcpServers.caracal.url).toBe('https://proxy.example.com/mcp')
  })

  it('the listen address in the environment wins over the config', async () => {
    const { code, stdout } = await clientConfig(['--for', 'cursor', '--config', config], { CARACAL_MCP_HOST: 'localhost', CARACAL_MCP_PORT: '9000' })
    expect(code).toBe(0)
    expect(JSON.parse(stdout).mcpServers.caracal.url).toBe('http://localhost:9000/mcp')
  })

  it('an unknown or missing --for is a usage error naming the accepted clients', async () => {
    for (const args of [['--for', 'zed'], []]) {
      const { code, stdout, stderr } = await clientConfig([...args, '--config', config])
      expect(code).toBe(2)
      expect(stdout).toBe('')
      expect(stderr).toContain('claude, claude-code, cursor, vscode')
      expect(stderr).toContain('usage: caracal-mcp')
    }
  })
})
