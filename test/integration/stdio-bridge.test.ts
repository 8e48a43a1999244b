// `caracal-mcp stdio` as Claude Desktop runs it: the built command launched by a real SDK client
// over stdio, bridged to the product's /mcp endpoint on loopback (started as `caracal-mcp start`
// starts it). Tools are listed, called, denied like unknown tools and report progress through
// the bridge; the mandate comes from CARACAL_MCP_TOKEN or is obtained by the bridge with the
// application's secret (also as the entry client-config --for claude prints, run as printed); a
// refused mandate is answered as a JSON-RPC error; no bearer is a usage error, an unreadable
// mandate or secret file a typed one; and the mandate or secret never shows on stderr.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { McpError } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OrderedDelivery } from '../../src/proxy/ordered-delivery.js'
import { packageRoot } from '../../src/util/package-root.js'
import { callError, text } from '../helpers/tool-results.js'
import { LIFECYCLE_RESOURCES, SECRETS, startProxyWorld, ZONE, ZONE_DATA_WITH_LIFECYCLE, type ProxyWorld } from '../helpers/proxy-world.js'

const root = packageRoot()
// CARACAL_MCP_TEST_CLI runs another build of the CLI (one not in the shared dist/) through the same tests.
const bin = process.env.CARACAL_MCP_TEST_CLI ?? join(root, 'dist', 'src', 'cli', 'main.js')
const dir = mkdtempSync(join(tmpdir(), 'caracal-stdio-'))
let world: ProxyWorld

beforeAll(async () => {
  // app-a may have bootstrap mandates: the bridge without --session starts its session through the Coordinator.
  world = await startProxyWorld({ zoneData: ZONE_DATA_WITH_LIFECYCLE, zoneResources: LIFECYCLE_RESOURCES })
})
afterAll(async () => {
  await world?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The bridge launched the way an MCP client launches a stdio server, its stderr kept. */
function bridge(args: string[], env: Record<string, string>): { transport: StdioClientTransport; stderr: () => string } {
  const transport = new StdioClientTransport({ command: process.execPath, args: [bin, 'stdio', ...args], env, cwd: root, stderr: 'pipe' })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  return { transport, stderr: () => stderr }
}

/**
 * The SDK client reads stdout in chunks and settles a response at once but runs a notification's
 * handler a microtask later: when the bridge's last progress and the result arrive in one chunk,
 * the client has dropped the progress handler before the progress is handled. What the bridge
 * writes is what is under test, so the client reads it one message per microtask, in order (the
 * proxy does the same with its upstreams).
 */
async function connect(transport: StdioClientTransport): Promise<Client> {
  const client = new Client({ name: 'stdio-bridge-test', version: '1.0.0' })
  await client.connect(new OrderedDelivery(transport))
  return client
}



/** The bridge's exit: on stdin closed, well before the SDK's 2 s grace would turn into SIGTERM. */
async function closeQuickly(client: Client): Promise<void> {
  const started = Date.now()
  await client.close()
  expect(Date.now() - started).toBeLessThan(1900)
}

describe('caracal-mcp stdio', () => {
  it('bridges tools/list, calls, denials and progress to /mcp with CARACAL_MCP_TOKEN, and ends its session when stdin closes', async () => {
    const { token } = await world.agentMandate()
    const sessionsBefore = world.running.proxy!.proxy.sessionCount
    const { transport, stderr } = bridge(['--url', `${world.url}/mcp`], { CARACAL_MCP_TOKEN: token })
    const client = await connect(transport)
    expect(world.running.proxy!.proxy.sessionCount).toBe(sessionsBefore + 1)

    expect((await client.listTools()).tools.map((t) => t.name)).toContain('up__echo')
    expect(text(await client.callTool({ name: 'up__echo', arguments: { text: 'say: via stdio' } }))).toBe('say: via stdio')
    // A tool the session may not use reads exactly like one that does not exist.
    const denied = await callError(client, 'up__admin_reset')
    const unknown = await callError(client, 'up__no_such_tool')
    expect(denied.code).toBe(unknown.code)
    expect(denied.message.replace('up__admin_reset', 'X')).toBe(unknown.message.replace('up__no_such_tool', 'X'))
    const progress: number[] = []
    await client.callTool({ name: 'up__slow', arguments: { ms: 100 } }, undefined, { onprogress: (p) => progress.push(p.progress) })
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])

    await closeQuickly(client)
    // The bridge sent DELETE for its MCP session on the way out.
    expect(world.running.proxy!.proxy.sessionCount).toBe(sessionsBefore)
    expect(stderr()).toContain(`stdio bridge to ${world.url}/mcp`)
    expect(stderr()).not.toContain(token)
  })

  it('obtains the agent mandate itself with the application\'s secret (--zone, --application, --session)', async () => {
    const { sessionId } = await world.agentMandate()
    const secret = SECRETS['app-a']!
    const { transport, stderr } = bridge(['--url', `${world.url}/mcp`, '--zone', ZONE, '--application', 'app-a', '--session', sessionId], { CARACAL_MCP_CLIENT_SECRET: secret })
    const client = await connect(transport)
    expect(text(await client.callTool({ name: 'up__echo', arguments: { text: 'say: renewed by the bridge' } }))).toBe('say: renewed by the bridge')
    // The upstream's resource mandate was exchanged from a mandate of this very agent session.
    const seen = text(await client.callTool({ name: 'up__whoami', arguments: {} })).replace(/^Bearer /, '')
    expect(JSON.parse(Buffer.from(seen.split('.')[1]!, 'base64url').toString())).toMatchObject({ agent_session_id: sessionId })
    await closeQuickly(client)
    expect(stderr()).toContain(`${world.url}/oauth/2/token, renewed before it expires`)
    expect(stderr()).not.toContain(secret)
  })

  it('runs as client-config --for claude prints it: node and this installation\'s CLI, a service session of its own, the mandate obtained and renewed from the secret file', async () => {
    const printed = await promisify(execFile)(process.execPath, [bin, 'client-config', '--for', 'claude', '--url', `${world.url}/mcp`], { cwd: dir, env: { ...process.env, CARACAL_MCP_HOST: '', CARACAL_MCP_PORT: '' } })
    const entry = (JSON.parse(printed.stdout) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> }).mcpServers.caracal!
    const secretFile = join(dir, 'client-secret')
    writeFileSync(secretFile, `${SECRETS['app-a']}\n`, { mode: 0o600 })
    const filled: Record<string, string> = { '<zone>': ZONE, '<application>': 'app-a', '/path/to/client-secret': secretFile }
    const fill = (word: string) => filled[word] ?? word
    expect(entry.command).toBe('node')
    // Launched from another directory, as Claude Desktop does: nothing depends on this repository being the cwd.
    const transport = new StdioClientTransport({
      command: entry.command,
      args: entry.args.map(fill),
      env: { PATH: process.env.PATH!, ...Object.fromEntries(Object.entries(entry.env).map(([k, v]) => [k, fill(v)])) },
      cwd: dir,
      stderr: 'pipe',
    })
    let stderr = ''
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const client = await connect(transport)
    expect(text(await client.callTool({ name: 'up__echo', arguments: { text: 'say: as pasted' } }))).toBe('say: as pasted')
    // The calls go under a service session the bridge started for app-a, and ended when it stopped.
    const seen = text(await client.callTool({ name: 'up__whoami', arguments: {} })).replace(/^Bearer /, '')
    const sessionId = (JSON.parse(Buffer.from(seen.split('.')[1]!, 'base64url').toString()) as { agent_session_id: string }).agent_session_id
    expect(world.runtime.store.agentSessions.get(sessionId)).toMatchObject({ applicationId: 'app-a', lifecycle: 'service', status: 'active' })
    await closeQuickly(client)
    await expect.poll(() => world.runtime.store.agentSessions.get(sessionId)?.status, { timeout: 3000 }).toBe('terminated')
    expect(stderr).toContain(`${world.url}/oauth/2/token, renewed before it expires, for service session ${sessionId}, which the bridge keeps alive and ends when it stops`)
    expect(stderr).not.toContain(SECRETS['app-a']!)
  })

  it('names a mandate or secret file it cannot read, with its code (exit 1, no usage)', async () => {
    const missing = join(dir, 'no-such-mandate')
    for (const variable of ['CARACAL_MCP_TOKEN_FILE', 'CARACAL_MCP_CLIENT_SECRET_FILE']) {
      const env = { ...process.env, CARACAL_MCP_TOKEN: '', CARACAL_MCP_TOKEN_FILE: '', CARACAL_MCP_CLIENT_SECRET: '', [variable]: missing }
      const result = await promisify(execFile)(process.execPath, [bin, 'stdio', '--url', `${world.url}/mcp`, '--zone', ZONE, '--application', 'app-a', '--session', 's'], { cwd: root, env }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      )
      expect(result).toMatchObject({ code: 1, stderr: `caracal-mcp: ERR_CLI_FILE_UNREADABLE: cannot read ${variable} ${missing}: no such file\n` })
    }
  })

  it('answers a request the proxy refused (401) with a JSON-RPC error and says why on stderr, without the token', async () => {
    const file = join(dir, 'refused-mandate')
    writeFileSync(file, 'not-an-agent-mandate\n')
    const { transport, stderr } = bridge(['--url', `${world.url}/mcp`], { CARACAL_MCP_TOKEN_FILE: file })
    const refused = await connect(transport).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(refused).toBeInstanceOf(McpError)
    expect(refused!.message).toContain('answered HTTP 401')
    await transport.close()
    expect(stderr()).toContain('the agent mandate was refused')
    expect(stderr()).not.toContain('not-an-agent-mandate')
  })

  it('exits 2 naming the three ways to give the mandate when none is configured', async () => {
    const env = { ...process.env }
    for (const name of ['CARACAL_MCP_TOKEN', 'CARACAL_MCP_TOKEN_FILE', 'CARACAL_MCP_CLIENT_SECRET', 'CARACAL_MCP_CLIENT_SECRET_FILE']) delete env[name]
    const result = await promisify(execFile)(process.execPath, [bin, 'stdio', '--url', `${world.url}/mcp`], { cwd: root, env }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('CARACAL_MCP_TOKEN (the mandate itself)')
    expect(result.stderr).toContain('CARACAL_MCP_TOKEN_FILE')
    expect(result.stderr).toContain('CARACAL_MCP_CLIENT_SECRET')
  })
})
