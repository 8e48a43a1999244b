// `caracal-mcp client-config --for <client>`: prints the entry a user pastes into an MCP client's
// config so that the client talks to this proxy, at /mcp (every upstream, aggregated) or with
// --server at /mcp/<server>. The JSON alone goes to stdout so it can be piped or redirected; the
// guidance (which file, how to get and renew the mandate) goes to stderr. No token or secret is
// ever printed: each entry holds placeholders that the client fills from its own secret
// mechanism, so the snippet can be shared or committed.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, type LoadedConfig } from '../config/index.js'
import { CliUsageError } from '../errors.js'
import { listenUrlFor } from '../runtime.js'
import { DEFAULT_TTL_SECONDS, SESSION_TTL_CAP_SECONDS } from '../sts/index.js'
import { optionValue, parseArgs } from './args.js'
import { CLIENT_SECRET_FILE_ENV } from './stdio-command.js'
import { CLIENT_SECRET_ENV } from './token-command.js'

/** Where the proxy is reached and under which name the client lists it. */
interface Target {
  entryName: string
  url: string
  server: string | undefined
  /** This installation's CLI (dist/src/cli/main.js), run with node. */
  cli: string
}

interface ClientShape {
  /** The config file the entry is pasted into. */
  file: string
  /** What to do besides pasting: how the placeholders get their values, and for how long. */
  guidance(target: Target): string[]
  snippet(target: Target): unknown
}

/** The placeholder's owner per client: an environment variable, a VS Code input, or a file. */
const TOKEN_ENV = 'CARACAL_MCP_TOKEN'
const VSCODE_INPUT_ID = 'caracal-mcp-token'

/**
 * A bearer from `token` is a fixed string the client sends until someone replaces it: say how long
 * it lasts, how to replace it, and that the stdio entry renews its own (these clients launch
 * stdio servers too).
 */
function bearerGuidance(cli: string, client: string, handOver: string, renew: string): string[] {
  return [
    `get an agent mandate with ${CLIENT_SECRET_ENV} set: node ${cli} token --zone <zone> --application <app> --session <agent session id>; then ${handOver}`,
    `that mandate expires after ${DEFAULT_TTL_SECONDS} s (token --ttl gives up to ${SESSION_TTL_CAP_SECONDS} s) and nothing renews it: run token again, ${renew}. For an entry that renews its own mandate, use the stdio bridge instead (${client} launches stdio servers too): client-config --for claude prints that entry`,
  ]
}

const CLIENTS: Record<string, ClientShape> = {
  'claude-code': {
    file: '.mcp.json in the project root (or the mcpServers of ~/.claude.json)',
    guidance: ({ cli }) => bearerGuidance(cli, 'Claude Code', `export it as ${TOKEN_ENV} where you start claude (Claude Code expands \${${TOKEN_ENV}})`, `export the new one and start claude again`),
    snippet: ({ entryName, url }) => ({ mcpServers: { [entryName]: { type: 'http', url, headers: { Authorization: `Bearer \${${TOKEN_ENV}}` } } } }),
  },
  cursor: {
    file: '.cursor/mcp.json in the project (or ~/.cursor/mcp.json)',
    guidance: ({ cli }) => bearerGuidance(cli, 'Cursor', `export it as ${TOKEN_ENV} where you start Cursor (Cursor expands \${env:${TOKEN_ENV}})`, `export the new one and start Cursor again`),
    snippet: ({ entryName, url }) => ({ mcpServers: { [entryName]: { url, headers: { Authorization: `Bearer \${env:${TOKEN_ENV}}` } } } }),
  },
  vscode: {
    file: '.vscode/mcp.json in the workspace',
    guidance: ({ cli }) =>
      bearerGuidance(cli, 'VS Code', 'VS Code asks for it when the server first starts and keeps it in its secret storage', `clear the stored value of the ${VSCODE_INPUT_ID} input and restart the server, then paste the new one when VS Code asks`),
    snippet: ({ entryName, url }) => ({
      inputs: [{ type: 'promptString', id: VSCODE_INPUT_ID, description: 'caracal-mcp agent mandate', password: true }],
      servers: { [entryName]: { type: 'http', url, headers: { Authorization: `Bearer \${input:${VSCODE_INPUT_ID}}` } } },
    }),
  },
  // Claude Desktop only launches processes, so its entry runs the stdio bridge. It runs this
  // installation's CLI by path, not `npx caracal-mcp`: the package is not on the npm registry,
  // and npx outside this repository would fetch and run whatever package has that name. The
  // bridge mints and renews its own agent mandates from the application's secret, read from a
  // file (a secret in the env block would sit in plain text in the config), for a service session
  // it starts and keeps alive itself: a fixed mandate would stop working within the hour, and a
  // named session when its TTL ran out.
  claude: {
    file: 'claude_desktop_config.json (Claude Desktop: Settings > Developer > Edit Config)',
    guidance: ({ cli }) => [
      `the entry runs this installation's CLI with node: ${cli} (not npx: caracal-mcp is not published on npm, and npx would fetch whatever package has that name); print the entry again if this directory moves. Claude Desktop needs node 20 or newer on its PATH; otherwise put ${process.execPath} as "command"`,
      `the bridge obtains the agent mandate itself and renews it before it expires: save the application's secret in a file only you can read (chmod 600), put its absolute path in ${CLIENT_SECRET_FILE_ENV}, and replace <zone> and <application>`,
      `each time it starts, the bridge starts a service session of its own (add --label <role> for its labels), heartbeats it while it runs and terminates it when it stops; a session an operator terminates stays ended. To use a session you started instead, add --session <agent session id> (its mandates end with it)`,
    ],
    snippet: ({ entryName, url, server, cli }) => ({
      mcpServers: {
        [entryName]: {
          command: 'node',
          args: [cli, 'stdio', '--url', url, ...(server === undefined ? [] : ['--server', server]), '--zone', '<zone>', '--application', '<application>'],
          env: { [CLIENT_SECRET_FILE_ENV]: '/path/to/client-secret' },
        },
      },
    }),
  },
}

/** This installation's CLI entry, found from the running module (it sits beside this file once built). */
export function installedCliPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'main.js')
}

export async function clientConfigCommand(argv: readonly string[], out: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['for', 'server', 'url', 'config'])
  if (args.positionals.length > 0) throw new CliUsageError(`unexpected argument ${args.positionals[0]}`)
  const client = clientShape(optionValue(args, 'for'))
  const explicitUrl = optionValue(args, 'url')
  const given = explicitUrl === undefined ? undefined : proxyUrl(explicitUrl)
  const named = optionValue(args, 'server')
  if (named !== undefined && given?.server !== undefined && named !== given.server) throw new CliUsageError(`--url names server ${given.server} (…/mcp/${given.server}) but --server is ${named}: give one`)
  const server = named ?? given?.server
  // The config is read only when something comes from it, so that --url alone works on a
  // machine that has no mcp.config.json (the user's, when the proxy runs elsewhere).
  const loaded = named !== undefined || given === undefined ? await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json') : undefined
  if (named !== undefined) checkServer(loaded!, named)
  const base = given !== undefined ? given.base : configuredUrl(loaded!)
  const target: Target = { entryName: server === undefined ? 'caracal' : `caracal-${server}`, url: server === undefined ? `${base}/mcp` : `${base}/mcp/${server}`, server, cli: installedCliPath() }
  warn(`paste this into ${client.file}`)
  for (const line of client.guidance(target)) warn(line)
  out(JSON.stringify(client.snippet(target), null, 2))
  return 0
}

function clientShape(name: string | undefined): ClientShape {
  const accepted = Object.keys(CLIENTS).sort().join(', ')
  if (name === undefined) throw new CliUsageError(`client-config needs --for (${accepted})`)
  if (!Object.hasOwn(CLIENTS, name)) throw new CliUsageError(`--for is one of ${accepted}, not ${name}`)
  return CLIENTS[name]!
}

/** Only a protected server has an endpoint of its own (/mcp/<server>). */
function checkServer(loaded: LoadedConfig, server: string): void {
  if (Object.hasOwn(loaded.config.protection, server)) return
  const names = Object.keys(loaded.config.protection)
  throw new CliUsageError(`there is no protected server ${server} in ${loaded.path} (${names.length > 0 ? names.join(', ') : 'none is protected'})`)
}

/**
 * --url as the proxy's base URL or as an endpoint (what `stdio --url` takes): the base, without
 * the trailing slash that would double the one before "mcp", and the server a trailing
 * /mcp/<server> names. A last path segment `mcp` is always read as the endpoint.
 */
export function proxyUrl(url: string): { base: string; server: string | undefined } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new CliUsageError(`--url is the proxy's base URL (http://host:port) or its endpoint (…/mcp or …/mcp/<server>), not ${url}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliUsageError(`--url is an http or https URL, not ${url}`)
  if (parsed.search || parsed.hash) throw new CliUsageError(`--url takes no query or fragment: ${url}`)
  const path = parsed.pathname.replace(/\/+$/, '')
  const endpoint = /^(.*)\/mcp(?:\/([^/]+))?$/.exec(path)
  const base = `${parsed.protocol}//${parsed.host}${endpoint ? endpoint[1] : path}`
  if (endpoint?.[2] === undefined) return { base, server: undefined }
  try {
    return { base, server: decodeURIComponent(endpoint[2]) }
  } catch {
    throw new CliUsageError(`--url names no server that can be read: ${url}`)
  }
}

/** Where `start` listens (the environment over the config). */
function configuredUrl(loaded: LoadedConfig): string {
  const url = listenUrlFor(loaded, process.env)
  // Port 0 is picked when the proxy starts, so no address can be known here.
  if (url === undefined) throw new CliUsageError('the proxy listens on a port chosen when it starts (port 0); give its address with --url')
  return url
}
