// `caracal-mcp start`: loads the configuration and every zone's policy, decides the example
// requests in fixtures/requests for the zones they name, then serves the MCP proxy (with the
// upstreams it protects), the STS (token endpoint, JWKS, approvals), the Coordinator and the admin
// API until SIGINT or SIGTERM, when it stops accepting, ends the MCP sessions and upstreams,
// finishes the audit writes and closes the database. With the repository's config it also walks
// through a few governed calls (walkthrough.ts; `--no-walkthrough` skips it).
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../config/index.js'
import type { PolicyDecision } from '../policy/index.js'
import { listen, openRuntime } from '../runtime.js'
import { packageRoot } from '../util/package-root.js'
import { optionValue, parseArgs } from './args.js'
import { configFlag } from './command-hints.js'
import { HOPS_WALKTHROUGH_APPLICATION, hopsWalkthrough, hopsWalkthroughApplies } from './hops-walkthrough.js'
import { WALKTHROUGH_APPLICATION, walkthrough, walkthroughApplies } from './walkthrough.js'
import { ENTRYPOINT_NAMES, type ExampleRequest } from './example-request.js'

function describeDecision(d: PolicyDecision): string {
  if (d.decision === 'deny') return `deny (${d.reason})`
  const stepUp = d.stepUp?.map((t) => `${t.tier}, approver ${t.approver}`).join('; ')
  return stepUp ? `allow once approved (step-up: ${stepUp})` : `allow (${d.determiningPolicies.map((p) => p.policy).join(', ')})`
}

/** What the other commands must share with start to act on its database, keys and issuer (names only are printed). */
const CLI_ENVIRONMENT = ['CARACAL_MCP_DATABASE', 'CARACAL_MCP_HOST', 'CARACAL_MCP_PORT', 'CARACAL_MCP_ISSUER', 'CARACAL_MCP_SEALING_KEY', 'CARACAL_MCP_AUDIT_HMAC_KEY']

const walkthroughApplication = (shown: 'demo' | 'hops' | undefined) => (shown === 'demo' ? WALKTHROUGH_APPLICATION : HOPS_WALKTHROUGH_APPLICATION)

/**
 * The steps to an agent mandate of `app`. An application that exists (or that this start's
 * walkthrough is about to create) cannot be created again: its step is a new secret instead.
 */
export function mandateSteps(o: { zone: string; app: string; config: string; url: string; exists: boolean; walkthroughApp: boolean }): string[] {
  const { zone, app, config } = o
  const secretStep = o.exists || o.walkthroughApp
    ? `npx caracal-mcp applications rotate-secret --zone ${zone} --id ${app}${config}   # ${app} ${o.exists ? 'exists' : 'is registered by the walkthrough'}: prints a new secret, once (the old one stops working)`
    : `npx caracal-mcp applications create --zone ${zone} --name "Demo agent" --id ${app}${config}   # prints, once, the secret`
  return [
    secretStep,
    ...(o.walkthroughApp ? [`(the walkthrough below acts as ${app} and rotates its secret at every start: rotate it after start, or start with --no-walkthrough)`] : []),
    `npx caracal-mcp sessions start --zone ${zone} --application ${app}${config}                  # prints the agent session id`,
    `CARACAL_MCP_CLIENT_SECRET=<secret> npx caracal-mcp token --zone ${zone} --application ${app} --session <session id>${config}`,
    `or: curl -s -u ${app}:<secret> -d grant_type=client_credentials ${o.url}/oauth/2/token   # a new service session`,
  ]
}

export async function startCommand(argv: readonly string[], out: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['config'], ['no-walkthrough'])
  const loaded = await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json')
  const runtime = await openRuntime(loaded, process.env, warn, { serving: true })
  out(`caracal-mcp: config ${loaded.path}, database ${loaded.databasePath}`)
  for (const zoneId of Object.keys(loaded.config.policy.zones)) {
    out(`caracal-mcp: zone ${zoneId}: policy version ${runtime.policy.version(zoneId)!.id.slice(0, 16)} active`)
  }
  const dir = join(packageRoot(), 'fixtures', 'requests')
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const example = JSON.parse(await readFile(join(dir, file), 'utf8')) as ExampleRequest
    const entrypoint = ENTRYPOINT_NAMES[example.entrypoint ?? 'exchange']
    if (!example.zone || !runtime.policy.version(example.zone) || !entrypoint) continue
    out(`  ${example.description}: ${describeDecision(runtime.policy.evaluate(example.zone, entrypoint, example.input))}`)
  }

  let running
  try {
    running = await listen(runtime, process.env, warn)
  } catch (error) {
    await runtime.close()
    throw error
  }
  const zone = Object.keys(loaded.config.policy.zones)[0]!
  // Every command printed below must act on this server's database: with the config start was given.
  const config = configFlag(optionValue(args, 'config'))
  const shown = running.proxy ? (walkthroughApplies(runtime) ? 'demo' : hopsWalkthroughApplies(runtime) ? 'hops' : undefined) : undefined
  const walking = shown !== undefined && !args.options.has('no-walkthrough')
  out(`caracal-mcp: STS listening on ${running.url} (issuer ${running.issuer}): POST /oauth/2/token, GET /.well-known/jwks.json?zone_id=…, GET /approvals/{id}`)
  out(`caracal-mcp: Coordinator on ${running.url}/zones/{zone}/sessions and /zones/{zone}/delegations (Authorization: Bearer <the application's bootstrap mandate>)`)
  out(`caracal-mcp: admin API on ${running.url}/v1 (Authorization: Bearer <admin token>: CARACAL_MCP_ADMIN_TOKEN, or "admin" in the development secrets file)`)
  // The application the zone's policy data names first: the one the example's grants are for.
  const app = zone === 'demo' ? 'demo-agent' : (Object.keys((runtime.policy.version(zone)?.data as { app_ids?: object } | undefined)?.app_ids ?? {})[0] ?? 'my-agent')
  out('caracal-mcp: get an agent mandate (what an MCP client will hold):')
  for (const line of mandateSteps({ zone, app, config, url: running.url, exists: runtime.store.applications.get(app) !== undefined, walkthroughApp: walking && walkthroughApplication(shown) === app })) out(`  ${line}`)
  if (zone === 'demo') out(`  (the demo zone's policy data, fixtures/zones/demo.json, gives demo-agent's sessions the files roles; files:write waits for an operator: npx caracal-mcp approvals list --zone demo${config}, then npx caracal-mcp approvals approve <id>${config})`)
  const environment = CLI_ENVIRONMENT.filter((name) => process.env[name])
  if (environment.length > 0) out(`  (run these with the environment this start has: ${environment.join(', ')} set as here, or they act on another database or issuer)`)
  if (running.proxy) {
    const servers = Object.keys(loaded.config.protection)
    out(`caracal-mcp: MCP proxy on ${running.url}/mcp (every server, tools named <server>__<tool>) and ${servers.map((s) => `${running.url}/mcp/${s}`).join(', ')} (Authorization: Bearer <agent mandate>)`)
    out(`caracal-mcp: health on ${running.url}/healthz and /readyz, metrics on /metrics; a client's config snippet: npx caracal-mcp client-config --for claude-code|cursor|vscode|claude${config}`)
    if (walking) {
      try {
        if (shown === 'demo') await walkthrough(runtime, running, out)
        else await hopsWalkthrough(runtime, running, out, config)
      } catch (error) {
        warn(`the walkthrough failed: ${(error as Error).message}`)
      }
    }
  } else {
    out('caracal-mcp: no upstream MCP server is protected (mcpServers + protection in the config), so no MCP endpoint is served.')
  }
  out('caracal-mcp: Ctrl-C stops the server.')

  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await running.close()
  await runtime.close()
  out('caracal-mcp: stopped')
  return 0
}
