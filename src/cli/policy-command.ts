// `caracal-mcp policy check|eval`: validate every zone's data, or decide one input document.
import { loadConfig } from '../config/index.js'
import { CliUsageError } from '../errors.js'
import { createPolicyEngineFromConfig } from '../policy-from-config.js'
import { optionValue, parseArgs } from './args.js'
import { CliFileInvalidError, readCliFile } from './cli-files.js'
import { ENTRYPOINT_NAMES, isExampleRequest } from './example-request.js'

export async function policyCommand(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['config', 'zone', 'entrypoint', 'input'])
  const [sub, ...rest] = args.positionals
  if (rest.length > 0) throw new CliUsageError(`unexpected argument ${rest[0]}`)
  const loaded = await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json')
  if (sub === 'check') {
    const engine = await createPolicyEngineFromConfig(loaded)
    for (const zoneId of Object.keys(loaded.config.policy.zones)) out(`zone ${zoneId}: policy version ${engine.version(zoneId)!.id.slice(0, 16)} valid`)
    return 0
  }
  if (sub === 'eval') {
    const inputFile = optionValue(args, 'input')
    if (!inputFile) throw new CliUsageError('policy eval needs --input <file> (a policy input document, or - for standard input)')
    const text = inputFile === '-' ? await readStdin() : await readCliFile(inputFile, '--input')
    let document: unknown
    try {
      document = JSON.parse(text)
    } catch (error) {
      throw new CliFileInvalidError(`--input ${inputFile === '-' ? '(standard input)' : inputFile} is not valid JSON: ${(error as Error).message}`)
    }
    // An example request (fixtures/requests) wraps the input with its zone and entrypoint.
    const example = isExampleRequest(document) ? document : undefined
    const input = example ? example.input : document
    const entrypointName = optionValue(args, 'entrypoint') ?? example?.entrypoint ?? 'exchange'
    const entrypoint = ENTRYPOINT_NAMES[entrypointName]
    if (!entrypoint) throw new CliUsageError(`--entrypoint is one of ${Object.keys(ENTRYPOINT_NAMES).join(', ')}`)
    const zones = Object.keys(loaded.config.policy.zones)
    const zoneId = optionValue(args, 'zone') ?? example?.zone ?? (zones.length === 1 ? zones[0]! : undefined)
    if (!zoneId) throw new CliUsageError(`several zones are configured; name one with --zone (${zones.join(', ')})`)
    if (!zones.includes(zoneId)) throw new CliUsageError(`zone ${zoneId} is not configured (${zones.join(', ')})`)
    const engine = await createPolicyEngineFromConfig(loaded)
    out(JSON.stringify(engine.evaluate(zoneId, entrypoint, input), null, 2))
    return 0
  }
  throw new CliUsageError(sub ? `unknown policy command ${sub} (check, eval)` : 'policy needs a command: check, eval')
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
