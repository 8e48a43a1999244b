// Reads mcp.config.json once at startup: JSON errors and schema errors name the file and the
// JSON path; the result has paths resolved against the file's directory and is frozen.
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { configSchema, type Config } from './schema.js'

export interface LoadedConfig {
  /** Absolute path of the file read. */
  path: string
  config: Config
  /** Resolves a path written in the config relative to the config file. */
  resolvePath(path: string): string
  /** The SQLite database: CARACAL_MCP_DATABASE, else `store.path` relative to the config file. */
  databasePath: string
}

export const DATABASE_ENV = 'CARACAL_MCP_DATABASE'

function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(String(key)) ? `${out}.${String(key)}` : `${out}[${JSON.stringify(String(key))}]`), '$')
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze)
    Object.freeze(value)
  }
  return value
}

export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const path = resolve(file)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read config ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, { cause: error })
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`config ${path} is not valid JSON: ${(error as Error).message}`, { cause: error })
  }
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : ''
    throw new ConfigError(`config ${path} is invalid at ${jsonPath(issue.path)}: ${issue.message}${keys}`)
  }
  const base = dirname(path)
  const resolvePath = (p: string) => resolve(base, p)
  const databasePath = env[DATABASE_ENV] ? resolve(env[DATABASE_ENV]) : resolvePath(parsed.data.store.path)
  return { path, config: deepFreeze(parsed.data), resolvePath, databasePath }
}
