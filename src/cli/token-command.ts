// `caracal-mcp token`: a bootstrap mandate for an application, or with --session an agent
// mandate bound to one of its agent sessions (no resource: each tool group's authority is
// decided per call), obtained by the same exchange the STS endpoint runs (authenticated by the
// application's secret, decided by policy, audited), and printed alone on stdout so it can be
// piped. The secret comes from CARACAL_MCP_CLIENT_SECRET or a file, never from the command
// line, where other users of the machine could read it.
import { readFile } from 'node:fs/promises'
import { loadConfig } from '../config/index.js'
import { CliUsageError } from '../errors.js'
import { issuerFor, listenUrlFor, openRuntime } from '../runtime.js'
import { LIFECYCLE_SCOPE } from '../policy/index.js'
import { TOKEN_EXCHANGE_GRANT, type TokenRequest } from '../sts/index.js'
import { uuid7 } from '../util/uuid7.js'
import { optionValue, parseArgs } from './args.js'

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
  const secretFile = optionValue(args, 'secret-file')
  const secret = secretFile ? (await readFile(secretFile, 'utf8')).trim() : process.env[CLIENT_SECRET_ENV]
  if (!secret) throw new CliUsageError(`give the application's secret in ${CLIENT_SECRET_ENV} or with --secret-file`)
  const ttl = optionValue(args, 'ttl')
  if (ttl !== undefined && !/^[1-9][0-9]{0,8}$/.test(ttl)) throw new CliUsageError('--ttl is a number of seconds')

  const loaded = await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json')
  const runtime = await openRuntime(loaded, process.env, warn)
  try {
    const exchange = runtime.tokenExchange(issuerFor(loaded, process.env, listenUrlFor(loaded, process.env)))
    const request: TokenRequest = agentSessionId
      ? { grantType: TOKEN_EXCHANGE_GRANT, zoneId, applicationId, clientSecret: secret, resources: [], scopes: [], agentSessionId }
      : { grantType: TOKEN_EXCHANGE_GRANT, zoneId, applicationId, clientSecret: secret, resources: [resource!], scopes: [LIFECYCLE_SCOPE] }
    const response = await exchange.exchange({ ...request, ...(ttl && { ttlSeconds: Number(ttl) }) }, uuid7())
    out(response.access_token)
    return 0
  } finally {
    await runtime.close()
  }
}
