// `caracal-mcp start`: loads the configuration and every zone's policy, reports what is ready,
// and decides the example requests in fixtures/requests for the zones they name. The MCP proxy
// and the STS join this command as they are built (issues #3 and #5).
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../config/index.js'
import { ENTRYPOINTS, type PolicyDecision } from '../policy/index.js'
import { createPolicyEngineFromConfig } from '../policy-from-config.js'
import { packageRoot } from '../util/package-root.js'
import { optionValue, parseArgs } from './args.js'

interface ExampleRequest {
  description: string
  zone: string
  entrypoint: 'exchange' | 'tool_call'
  input: unknown
}

function describeDecision(d: PolicyDecision): string {
  if (d.decision === 'deny') return `deny (${d.reason})`
  const stepUp = d.stepUp?.map((t) => `${t.tier}, approver ${t.approver}`).join('; ')
  return stepUp ? `allow once approved (step-up: ${stepUp})` : `allow (${d.determiningPolicies.map((p) => p.policy).join(', ')})`
}

export async function startCommand(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['config'])
  const loaded = await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json')
  const engine = await createPolicyEngineFromConfig(loaded)
  out(`caracal-mcp: config ${loaded.path}`)
  for (const zoneId of Object.keys(loaded.config.policy.zones)) {
    out(`caracal-mcp: zone ${zoneId}: policy version ${engine.version(zoneId)!.id.slice(0, 16)} active`)
  }

  const dir = join(packageRoot(), 'fixtures', 'requests')
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()
  for (const file of files) {
    const example = JSON.parse(await readFile(join(dir, file), 'utf8')) as ExampleRequest
    if (!engine.version(example.zone)) continue
    const entrypoint = example.entrypoint === 'tool_call' ? ENTRYPOINTS.toolCall : ENTRYPOINTS.exchange
    out(`  ${example.description}: ${describeDecision(engine.evaluate(example.zone, entrypoint, example.input))}`)
  }
  out('caracal-mcp: the policy engine is ready; the STS and the MCP proxy are not built yet, so nothing is listening.')
  out('caracal-mcp: decide your own input with: npx caracal-mcp policy eval --input <file> [--entrypoint tool_call]')
  return 0
}
