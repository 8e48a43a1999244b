// `caracal-mcp client-config --for <client>`: prints the entry a user pastes into an MCP client's
// config so that the client talks to this proxy, at /mcp (every upstream, aggregated) or with
// --server at /mcp/<server>. The JSON alone goes to stdout so it can be piped or redirected; the
// guidance (which file, how to get the token) goes to stderr. No token is ever printed: each
// entry holds a placeholder that the client fills from its own secret mechanism, so the snippet
// can be shared or committed.
import { loadConfig, type LoadedConfig } from '../config/index.js'
import { CliUsageError } from '../errors.js'
import { listenUrlFor } from '../runtime.js'
import { optionValue, parseArgs } from './args.js'
import { CLIENT_SECRET_ENV } from './token-command.js'

/** Where the proxy is reached and under which name the client lists it. */
interface Target {
  entryName: string
  url: string
  server: string | undefined
}

interface ClientShape {
  /** The config file the entry is pasted into. */
  file: string
  /** How the client gets the agent mandate the placeholder stands for. */
  tokenHint: string
  snippet(target: Target): unknown
}

/** The placeholder's owner per client: an environment variable, a VS Code input, or a file. */
const TOKEN_ENV = 'CARACAL_MCP_TOKEN'
const TOKEN_FILE_ENV = 'CARACAL_MCP_TOKEN_FILE'
const VSCODE_INPUT_ID = 'caracal-mcp-token'

const CLIENTS: Record<string, ClientShape> = {
  'claude-code': {
    file: '.mcp.json in the project root (or the mcpServers of ~/.claude.json)',
    tokenHint: `export it as ${TOKEN_ENV} where you start claude (Claude Code expands \${${TOKEN_ENV}})`,
    snippet: ({ entryName, url }) => ({ mcpServers: { [entryName]: { type: 'http', url, headers: { Authorization: `Bearer \${${TOKEN_ENV}}` } } } }),
  },
  cursor: {
    file: '.cursor/mcp.json in the project (or ~/.cursor/mcp.json)',
    tokenHint: `export it as ${TOKEN_ENV} where you start Cursor (Cursor expands \${env:${TOKEN_ENV}})`,
    snippet: ({ entryName, url }) => ({ mcpServers: { [entryName]: { url, headers: { Authorization: `Bearer \${env:${TOKEN_ENV}}` } } } }),
  },
  vscode: {
    file: '.vscode/mcp.json in the workspace',
    tokenHint: 'VS Code asks for it when the server first starts and keeps it in its secret storage',
    snippet: ({ entryName, url }) => ({
      inputs: [{ type: 'promptString', id: VSCODE_INPUT_ID, description: 'caracal-mcp agent mandate', password: true }],
      servers: { [entryName]: { type: 'http', url, headers: { Authorization: `Bearer \${input:${VSCODE_INPUT_ID}}` } } },
    }),
  },
  // Claude Desktop only launches processes, so its entry runs the stdio bridge, which reads the
  // mandate from a file: a token in the env block would sit in plain text in the config.
  claude: {
    file: 'claude_desktop_config.json (Claude Desktop: Settings > Developer > Edit Config)',
    tokenHint: `save it in a file only you can read and put that file's absolute path in ${TOKEN_FILE_ENV}`,
    snippet: ({ entryName, url, server }) => ({
      mcpServers: {
        [entryName]: {
          command: 'npx',
          args: ['caracal-mcp', 'stdio', '--url', url, ...(server === undefined ? [] : ['--server', server])],
          env: { [TOKEN_FILE_ENV]: '/path/to/agent-mandate' },
        },
      },
    }),
  },
}

export async function clientConfigCommand(argv: readonly string[], out: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['for', 'server', 'url', 'config'])
  if (args.positionals.length > 0) throw new CliUsageError(`unexpected argument ${args.positionals[0]}`)
  const client = clientShape(optionValue(args, 'for'))
  const server = optionValue(args, 'server')
  const explicitUrl = optionValue(args, 'url')
  // The config is read only when something comes from it, so that --url alone works on a
  // machine that has no mcp.config.json (the user's, when the proxy runs elsewhere).
  const loaded = server !== undefined || explicitUrl === undefined ? await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json') : undefined
  if (server !== undefined) checkServer(loaded!, server)
  const base = explicitUrl !== undefined ? checkedUrl(explicitUrl) : configuredUrl(loaded!)
  const target: Target = { entryName: server === undefined ? 'caracal' : `caracal-${server}`, url: server === undefined ? `${base}/mcp` : `${base}/mcp/${server}`, server }
  warn(`paste this into ${client.file}`)
  warn(`get an agent mandate with ${CLIENT_SECRET_ENV} set: npx caracal-mcp token --zone <zone> --application <app> --session <agent session id>; then ${client.tokenHint}`)
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

/** The base URL as given, without the trailing slash that would double the one before "mcp". */
function checkedUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new CliUsageError(`--url is the proxy's base URL (http://host:port), not ${url}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliUsageError(`--url is an http or https URL, not ${url}`)
  return url.replace(/\/+$/, '')
}

/** Where `start` listens (the environment over the config). */
function configuredUrl(loaded: LoadedConfig): string {
  const url = listenUrlFor(loaded, process.env)
  // Port 0 is picked when the proxy starts, so no address can be known here.
  if (url === undefined) throw new CliUsageError('the proxy listens on a port chosen when it starts (port 0); give its address with --url')
  return url
}
