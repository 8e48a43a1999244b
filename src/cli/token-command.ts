// `caracal-mcp token`: a bootstrap mandate for an application, or with --session an agent
// mandate bound to one of its agent sessions (no resource: each tool group's authority is
// decided per call), obtained by the same exchange the STS endpoint runs (authenticated by the
// application's secret, decided by policy, audited), and printed alone on stdout so it can be
// piped. The secret comes from CARACAL_MCP_CLIENT_SECRET or a file, never from the command
// line, where other users of the machine could read it. stderr names the issuer the mandate is
// for and where that came from: minted in-process, the mandate verifies only at a server started
// with the same issuer, which nothing else would reveal until the server refused it.
import { loadConfig, type LoadedConfig } from '../config/index.js'
import { CliUsageError } from '../errors.js'
import { HOST_ENV, ISSUER_ENV, PORT_ENV, issuerFor, listenUrlFor, openRuntime } from '../runtime.js'
import { LIFECYCLE_SCOPE } from '../policy/index.js'
import { SESSION_TTL_CAP_SECONDS, TOKEN_EXCHANGE_GRANT, type TokenRequest } from '../sts/index.js'
import { uuid7 } from '../util/uuid7.js'
import { optionValue, parseArgs } from './args.js'
import { readSecretFile } from './cli-files.js'
import { secondsOption } from './command-group.js'

export const CLIENT_SECRET_ENV = 'CARACAL_MCP_CLIENT_SECRET'

export async function tokenCommand(argv: readonly string[], out: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['config', 'zone', 'application', 'resource', 'session', 'ttl', 'secret-file'])
  if (args.positionals.length > 0) throw new CliUsageError(`unexpected argument ${args.positionals[0]}`)
  const zoneId = optionValue(args, 'zone')
  const applicationId = optionValue(args, 'application')
  const resource = optionValue(args, 'resource')
  const agentSessionId = optionValue(args, 'session')
  if (agentSessionId !== undefined && resource !== undefined) throw new CliUsageError('--resource does not go with --session: an agent mandate carries no resource authority')
  if (!zoneId || !applicationId || (!resource && !agentSessionId)) throw new CliUsageError('token needs --zone, --application and --resource (bootstrap mandate) or --session (agent mandate)')
  // Both classes this command mints are session mandates: the STS caps them, and would name its field.
  const ttlSeconds = secondsOption(args, 'ttl', 1, SESSION_TTL_CAP_SECONDS)
  const secretFile = optionValue(args, 'secret-file')
  const secret = secretFile ? await readSecretFile(secretFile, '--secret-file') : process.env[CLIENT_SECRET_ENV]
  if (!secret) throw new CliUsageError(`give the application's secret in ${CLIENT_SECRET_ENV} or with --secret-file`)

  const loaded = await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json')
  const runtime = await openRuntime(loaded, process.env, warn)
  try {
    const issuer = issuerFor(loaded, process.env, listenUrlFor(loaded, process.env))
    const exchange = runtime.tokenExchange(issuer)
    const request: TokenRequest = agentSessionId
      ? { grantType: TOKEN_EXCHANGE_GRANT, zoneId, applicationId, clientSecret: secret, resources: [], scopes: [], agentSessionId }
      : { grantType: TOKEN_EXCHANGE_GRANT, zoneId, applicationId, clientSecret: secret, resources: [resource!], scopes: [LIFECYCLE_SCOPE] }
    const response = await exchange.exchange({ ...request, ...(ttlSeconds !== undefined && { ttlSeconds }) }, uuid7())
    out(response.access_token)
    warn(`token: ${agentSessionId ? 'agent' : 'bootstrap'} mandate for issuer ${issuer} (${issuerOrigin(loaded)}), expires in ${response.expires_in} s; a server started with another issuer or address refuses it: run token with the config and CARACAL_MCP_* environment start runs with`)
    return 0
  } finally {
    await runtime.close()
  }
}

/** Where the issuer came from, in the order issuerFor reads them. */
function issuerOrigin(loaded: LoadedConfig): string {
  if (process.env[ISSUER_ENV]) return `from ${ISSUER_ENV}`
  if (loaded.config.server.issuer) return `from server.issuer in ${loaded.path}`
  const overridden = [HOST_ENV, PORT_ENV].filter((name) => process.env[name])
  return `the listen address of ${loaded.path}${overridden.length > 0 ? ` with ${overridden.join(' and ')}` : ''}`
}
