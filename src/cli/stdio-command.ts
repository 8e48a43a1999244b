// `caracal-mcp stdio`: an MCP server over stdin/stdout for clients that only launch processes
// (Claude Desktop), bridged to the proxy's Streamable HTTP endpoint with the agent mandate as
// bearer. The endpoint is --url as given, or the configured listen address + /mcp[/<server>].
// The mandate comes from CARACAL_MCP_TOKEN, from a file (re-read after a 401, so something else
// can renew it), or is obtained and renewed by the bridge itself with the application's secret,
// so an IDE session outlives the 60-minute cap of one mandate. stdout carries MCP messages only;
// the mandate and the secret are never printed anywhere.
import { readFile } from 'node:fs/promises'
import { loadConfig, type LoadedConfig } from '../config/index.js'
import { CliUsageError } from '../errors.js'
import { listenUrlFor } from '../runtime.js'
import { TOKEN_EXCHANGE_GRANT, TOKEN_PATH } from '../sts/index.js'
import { optionValue, parseArgs, type ParsedArgs } from './args.js'
import { readSecretFile } from './cli-files.js'
import { BearerUnavailableError, runStdioBridge, type BearerSource } from './stdio-bridge.js'
import { CLIENT_SECRET_ENV } from './token-command.js'

const TOKEN_ENV = 'CARACAL_MCP_TOKEN'
const TOKEN_FILE_ENV = 'CARACAL_MCP_TOKEN_FILE'
export const CLIENT_SECRET_FILE_ENV = 'CARACAL_MCP_CLIENT_SECRET_FILE'
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** A mandate is renewed when less than this, or 20 % of its lifetime if less, remains. */
const RENEW_BEFORE_MS = 5 * 60_000

export async function stdioCommand(argv: readonly string[], warn: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['url', 'server', 'config', 'zone', 'application', 'session'])
  if (args.positionals.length > 0) throw new CliUsageError(`unexpected argument ${args.positionals[0]}`)
  const url = await endpointFor(args)
  if (url.protocol !== 'https:' && !LOOPBACK.has(url.hostname)) warn(`WARNING: ${url.origin} is plain http and not this machine: the agent mandate (and a client secret, for renewal) would cross the network unencrypted. Use https.`)
  const { bearer, origin } = await bearerFor(args, url, warn)
  warn(`stdio bridge to ${url.href} (agent mandate from ${origin})`)
  await runStdioBridge({ url, bearer, warn })
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

/** The first way configured, in the documented order; `origin` names it for the start-up line. */
async function bearerFor(args: ParsedArgs, url: URL, warn: (line: string) => void): Promise<{ bearer: BearerSource; origin: string }> {
  const token = envValue(TOKEN_ENV)
  if (token !== undefined) return { bearer: { current: async () => token, renew: async () => false }, origin: TOKEN_ENV }
  const tokenFile = envValue(TOKEN_FILE_ENV)
  if (tokenFile !== undefined) return { bearer: await TokenFile.open(tokenFile), origin: `${TOKEN_FILE_ENV} ${tokenFile}` }
  const secret = await clientSecret()
  if (secret === undefined) throw new CliUsageError(`stdio needs the agent mandate: ${TOKEN_ENV} (the mandate itself), ${TOKEN_FILE_ENV} (a file holding it), or ${CLIENT_SECRET_ENV} or ${CLIENT_SECRET_FILE_ENV} (the application's secret) with --zone, --application and --session (the bridge obtains and renews the mandate)`)
  const zoneId = optionValue(args, 'zone')
  const applicationId = optionValue(args, 'application')
  const agentSessionId = optionValue(args, 'session')
  if (!zoneId || !applicationId || !agentSessionId) throw new CliUsageError('with the application\'s secret, stdio needs --zone, --application and --session <agent session id>')
  const tokenUrl = new URL(TOKEN_PATH, url.origin)
  return { bearer: new RenewingMandate(tokenUrl, { zoneId, applicationId, agentSessionId, secret }, warn), origin: `${tokenUrl.href}, renewed before it expires` }
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

interface AgentMandateRequest {
  zoneId: string
  applicationId: string
  agentSessionId: string
  secret: string
}

interface HeldMandate {
  token: string
  renewAt: number
  expiresAt: number
}

/**
 * Agent mandates from the token endpoint, for one agent session, with the application's secret.
 * Renewal is lazy (asked for by the next request once the renewal point has passed): an idle
 * bridge needs no mandate, and a request always goes out with one that has time left.
 */
class RenewingMandate implements BearerSource {
  readonly #tokenUrl: URL
  readonly #request: AgentMandateRequest
  readonly #warn: (line: string) => void
  #held: HeldMandate | undefined
  #pending: Promise<string> | undefined

  constructor(tokenUrl: URL, request: AgentMandateRequest, warn: (line: string) => void) {
    this.#tokenUrl = tokenUrl
    this.#request = request
    this.#warn = warn
  }

  async current(): Promise<string> {
    const held = this.#held
    if (held && Date.now() < held.renewAt) return held.token
    try {
      return await this.#obtain()
    } catch (error) {
      // The token endpoint being down for a moment must not cut off a session whose mandate still verifies.
      if (!held || Date.now() >= held.expiresAt - 5_000) throw error
      this.#warn(`${(error as Error).message}; the current agent mandate is used until it expires`)
      return held.token
    }
  }

  async renew(rejected: string): Promise<boolean> {
    if (this.#held?.token === rejected) this.#held = undefined
    return (await this.current()) !== rejected
  }

  /** One request at a time: concurrent calls at the renewal point share its answer. */
  #obtain(): Promise<string> {
    this.#pending ??= this.#exchange().finally(() => (this.#pending = undefined))
    return this.#pending
  }

  async #exchange(): Promise<string> {
    const { zoneId, applicationId, agentSessionId, secret } = this.#request
    const body = new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, zone_id: zoneId, application_id: applicationId, client_secret: secret, agent_session_id: agentSessionId })
    const askedAt = Date.now()
    let response: Response
    try {
      // A redirect would re-send the secret elsewhere: refused.
      response = await fetch(this.#tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'error' })
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code
      throw new BearerUnavailableError(`cannot reach the token endpoint ${this.#tokenUrl.href}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`)
    }
    const answer = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown }
    if (!response.ok || typeof answer.access_token !== 'string' || !answer.access_token) {
      const reason = [answer.error, answer.error_description].filter((part) => typeof part === 'string').join(': ')
      throw new BearerUnavailableError(`the token endpoint ${this.#tokenUrl.href} gave no agent mandate for session ${agentSessionId} (HTTP ${response.status}${reason && `, ${reason}`})`)
    }
    const lifetime = (typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 60) * 1000
    this.#held = { token: answer.access_token, renewAt: askedAt + lifetime - Math.min(RENEW_BEFORE_MS, lifetime * 0.2), expiresAt: askedAt + lifetime }
    return answer.access_token
  }
}
