// Builds the process's policy engine from the configuration: the compiled contract (ours unless
// the config names another manifest) and each zone's data file, activated and validated.
import { readFile } from 'node:fs/promises'
import type { LoadedConfig } from './config/index.js'
import { ConfigError } from './errors.js'
import { PolicyDataError, PolicyEngine, loadPolicyBundle } from './policy/index.js'

export async function createPolicyEngineFromConfig(loaded: LoadedConfig): Promise<PolicyEngine> {
  const { policy } = loaded.config
  const bundle = await loadPolicyBundle(policy.manifest ? loaded.resolvePath(policy.manifest) : undefined)
  const engine = new PolicyEngine({ bundle })
  for (const [zoneId, zone] of Object.entries(policy.zones)) {
    const file = loaded.resolvePath(zone.data)
    let data: unknown
    try {
      data = JSON.parse(await readFile(file, 'utf8'))
    } catch (error) {
      const why = error instanceof SyntaxError ? `is not valid JSON: ${error.message}` : `cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`
      throw new ConfigError(`policy data of zone "${zoneId}" (${file}) ${why}`, { cause: error })
    }
    try {
      engine.activate(zoneId, data)
    } catch (error) {
      if (error instanceof PolicyDataError) throw new ConfigError(`zone "${zoneId}" (${file}): ${error.message}`, { cause: error })
      throw error
    }
  }
  return engine
}
