// `caracal-mcp stdio`: an MCP server over stdin/stdout for clients that only launch processes
// (Claude Desktop), bridged to the proxy's Streamable HTTP endpoint with the agent mandate as
// bearer. The endpoint is --url as given, or the configured listen address + /mcp[/<server>].
// The mandate comes from CARACAL_MCP_TOKEN, from a file (re-read after a 401, so something else
// can renew it), or is obtained and renewed by the bridge itself with the application's secret,
// so an IDE session outlives the 60-minute cap of one mandate: for the agent session --session
// names, or, without one, for a service session the bridge starts, keeps alive and ends
// (bridge-session.ts). stdout carries MCP messages only; the mandate and the secret are never
// printed anywhere.
import { readFile } from 'node:fs/promises'
import { loadConfig, type LoadedConfig } from '../config/index.js'
import { CliUsageError } from '../errors.js'
import { listenUrlFor } from '../runtime.js'
import { TOKEN_PATH } from '../sts/index.js'
import { optionValue, optionValues, parseArgs, type ParsedArgs } from './args.js'
import { BridgeServiceSession, DEFAULT_LIFECYCLE_RESOURCE } from './bridge-session.js'
import { readSecretFile } from './cli-files.js'
import { RenewingMandate } from './renewing-mandate.js'
import { runStdioBridge, type BearerSource } from './stdio-bridge.js'
import { CLIENT_SECRET_ENV } from './token-command.js'

const TOKEN_ENV = 'CARACAL_MCP_TOKEN'
const TOKEN_FILE_ENV = 'CARACAL_MCP_TOKEN_FILE'
export const CLIENT_SECRET_FILE_ENV = 'CARACAL_MCP_CLIENT_SECRET_FILE'
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

export async function stdioCommand(argv: readonly string[], warn: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['url', 'server', 'config', 'zone', 'application', 'session', 'label', 'lifecycle-resource'], [], ['label'])
  if (args.positionals.length > 0) throw new CliUsageError(`unexpected argument ${args.positionals[0]}`)
  const url = await endpointFor(args)
  if (url.protocol !== 'https:' && !LOOPBACK.has(url.hostname)) warn(`WARNING: ${url.origin} is plain http and not this machine: the agent mandate (and a client secret, for renewal) would cross the network unencrypted. Use https.`)
  const { bearer, origin, stop } = await bearerFor(args, url, warn)
  warn(`stdio bridge to ${url.href} (agent mandate from ${origin})`)
  try {
    await runStdioBridge({ url, bearer, warn })
  } finally {
    await stop?.()
  }
  return 0
}

/**
 * --url is taken as is, also beside --server (the client-config snippet passes both, and the
 * launching client's working directory need not hold the proxy's config).
 */
async function endpointFor(args: ParsedArgs): Promise<URL> {
  const explicit = optionValue(args, 'url')
  if (explicit !== undefined) return checkedUrl(explicit)
  const loaded = await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json')
  const server = optionValue(args, 'server')
  if (server !== undefined) checkProtected(loaded, server)
  const base = listenUrlFor(loaded, process.env)
  // Port 0 is picked when the proxy starts, so no address can be known here.
  if (base === undefined) throw new CliUsageError('the proxy listens on a port chosen when it starts (port 0); give its endpoint with --url')
  return new URL(server === undefined ? `${base}/mcp` : `${base}/mcp/${encodeURIComponent(server)}`)
}

function checkedUrl(url: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new CliUsageError(`--url is the proxy's MCP endpoint (http://host:port/mcp or …/mcp/<server>), not ${url}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliUsageError(`--url is an http or https URL, not ${url}`)
  return parsed
}

/** Only protected servers have an endpoint of their own. */
function checkProtected(loaded: LoadedConfig, server: string): void {
  if (Object.hasOwn(loaded.config.protection, server)) return
  const names = Object.keys(loaded.config.protection)
  throw new CliUsageError(`there is no server ${server} under protection in ${loaded.path} (${names.length > 0 ? names.join(', ') : 'none is protected'})`)
}

/** The first way configured, in the documented order; `origin` names it for the start-up line, `stop` ends what it started. */
async function bearerFor(args: ParsedArgs, url: URL, warn: (line: string) => void): Promise<{ bearer: BearerSource; origin: string; stop?: () => Promise<void> }> {
  const token = envValue(TOKEN_ENV)
  if (token !== undefined) return { bearer: { current: async () => token, renew: async () => false }, origin: TOKEN_ENV }
  const tokenFile = envValue(TOKEN_FILE_ENV)
  if (tokenFile !== undefined) return { bearer: await TokenFile.open(tokenFile), origin: `${TOKEN_FILE_ENV} ${tokenFile}` }
  const secret = await clientSecret()
  if (secret === undefined) throw new CliUsageError(`stdio needs the agent mandate: ${TOKEN_ENV} (the mandate itself), ${TOKEN_FILE_ENV} (a file holding it), or ${CLIENT_SECRET_ENV} or ${CLIENT_SECRET_FILE_ENV} (the application's secret) with --zone and --application, and --session or not (the bridge obtains and renews the mandate)`)
  const zoneId = optionValue(args, 'zone')
  const applicationId = optionValue(args, 'application')
  const named = optionValue(args, 'session')
  const labels = optionValues(args, 'label')
  const lifecycleResource = optionValue(args, 'lifecycle-resource')
  if (!zoneId || !applicationId) throw new CliUsageError('with the application\'s secret, stdio needs --zone and --application (and --session <agent session id>, or none for a service session of its own)')
  if (named !== undefined && (labels.length > 0 || lifecycleResource !== undefined)) throw new CliUsageError('--label and --lifecycle-resource are for the service session the bridge starts; --session names a session that exists')
  const tokenUrl = new URL(TOKEN_PATH, url.origin)
  const session = named === undefined ? await BridgeServiceSession.start(new URL(url.origin), { zoneId, applicationId, secret, labels, lifecycleResource: lifecycleResource ?? DEFAULT_LIFECYCLE_RESOURCE }, warn) : undefined
  const agentSessionId = named ?? session!.id
  return {
    bearer: new RenewingMandate(tokenUrl, { zoneId, applicationId, agentSessionId, secret }, warn),
    origin: `${tokenUrl.href}, renewed before it expires, for ${session ? `service session ${agentSessionId}, which the bridge keeps alive and ends when it stops` : `agent session ${agentSessionId}`}`,
    ...(session && { stop: () => session.stop() }),
  }
}

/** An empty variable counts as unset (a client config often carries `"VAR": ""`). */
function envValue(name: string): string | undefined {
  const value = process.env[name]?.trim()
  return value ? value : undefined
}

async function clientSecret(): Promise<string | undefined> {
  const secret = envValue(CLIENT_SECRET_ENV)
  if (secret !== undefined) return secret
  const file = envValue(CLIENT_SECRET_FILE_ENV)
  return file === undefined ? undefined : readSecretFile(file, CLIENT_SECRET_FILE_ENV)
}

/** A mandate kept in a file by someone else (a script, a renewer): read again when the proxy refuses it. */
class TokenFile implements BearerSource {
  readonly #path: string
  #token: string

  private constructor(path: string, token: string) {
    this.#path = path
    this.#token = token
  }

  static async open(path: string): Promise<TokenFile> {
    return new TokenFile(path, await readSecretFile(path, TOKEN_FILE_ENV))
  }

  async current(): Promise<string> {
    return this.#token
  }

  async renew(rejected: string): Promise<boolean> {
    // A file that cannot be read right now (being replaced) keeps the mandate held.
    const token = await readFile(this.#path, 'utf8').then((text) => text.trim(), () => '')
    if (token) this.#token = token
    return this.#token !== rejected
  }
}
