// The process's secret keys: the key that seals zone signing keys at rest and the audit chain's
// HMAC key. They come from the environment (hex). Without them, a development default is kept
// in a 0600 file beside the database, and one loud warning says so: fine on a laptop, never in
// production, where losing or leaking that file loses or leaks every key.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ConfigError } from '../errors.js'

export const SEALING_KEY_ENV = 'CARACAL_MCP_SEALING_KEY'
export const AUDIT_HMAC_KEY_ENV = 'CARACAL_MCP_AUDIT_HMAC_KEY'

export interface Secrets {
  sealingKey: Buffer
  auditHmacKey: Buffer
  /** True when the development file supplied either key. */
  development: boolean
}

function fromHex(name: string, value: string, bytes: number, exact: boolean): Buffer {
  if (!/^[0-9a-fA-F]+$/.test(value) || value.length % 2 !== 0) throw new ConfigError(`${name} must be hex`)
  const key = Buffer.from(value, 'hex')
  if (exact ? key.length !== bytes : key.length < bytes) throw new ConfigError(`${name} must be ${exact ? '' : 'at least '}${bytes} bytes (${bytes * 2} hex characters)`)
  return key
}

function developmentSecrets(databasePath: string): { sealing: string; audit: string } {
  const file = join(dirname(databasePath), 'dev-secrets.json')
  if (existsSync(file)) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as { sealing: string; audit: string }
    } catch (error) {
      throw new ConfigError(`development secrets ${file} are unreadable; restore the file or set ${SEALING_KEY_ENV} and ${AUDIT_HMAC_KEY_ENV}`, { cause: error })
    }
  }
  const secrets = { sealing: randomBytes(32).toString('hex'), audit: randomBytes(32).toString('hex') }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  return secrets
}

export function loadSecrets(databasePath: string, env: NodeJS.ProcessEnv, warn: (line: string) => void): Secrets {
  const sealingEnv = env[SEALING_KEY_ENV]
  const auditEnv = env[AUDIT_HMAC_KEY_ENV]
  const dev = sealingEnv && auditEnv ? undefined : developmentSecrets(databasePath)
  if (dev) {
    warn(`WARNING: ${[!sealingEnv && SEALING_KEY_ENV, !auditEnv && AUDIT_HMAC_KEY_ENV].filter(Boolean).join(' and ')} not set: using development keys from ${join(dirname(databasePath), 'dev-secrets.json')}. You MUST set them in production.`)
  }
  return {
    sealingKey: fromHex(SEALING_KEY_ENV, sealingEnv ?? dev!.sealing, 32, true),
    auditHmacKey: fromHex(AUDIT_HMAC_KEY_ENV, auditEnv ?? dev!.audit, 32, false),
    development: dev !== undefined,
  }
}
