// The process's secrets: the key that seals zone signing keys at rest, the audit chain's HMAC
// key, and the bearer token of the admin API. They come from the environment. Without them, a
// development default is kept in a 0600 file beside the database, and one loud warning says so:
// fine on a laptop, never in production, where losing or leaking that file loses or leaks every
// key and hands out the admin API. No secret is ever written to a log or an error message.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { CaracalMcpError, ConfigError } from '../errors.js'

export const SEALING_KEY_ENV = 'CARACAL_MCP_SEALING_KEY'
export const AUDIT_HMAC_KEY_ENV = 'CARACAL_MCP_AUDIT_HMAC_KEY'
export const ADMIN_TOKEN_ENV = 'CARACAL_MCP_ADMIN_TOKEN'
/** An admin token is a bearer credential: long enough that guessing is hopeless. */
export const ADMIN_TOKEN_MIN_LENGTH = 32

export interface Secrets {
  sealingKey: Buffer
  auditHmacKey: Buffer
  /** The bearer token the admin HTTP API accepts. */
  adminToken: string
  /** True when the development file supplied any of them. */
  development: boolean
}

interface DevelopmentSecrets {
  sealing: string
  audit: string
  admin: string
}

/** RFC 6750 b64token characters, so that the token fits an Authorization header as it is. */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

function fromHex(name: string, value: string, bytes: number, exact: boolean): Buffer {
  if (!/^[0-9a-fA-F]+$/.test(value) || value.length % 2 !== 0) throw new ConfigError(`${name} must be hex`)
  const key = Buffer.from(value, 'hex')
  if (exact ? key.length !== bytes : key.length < bytes) throw new ConfigError(`${name} must be ${exact ? '' : 'at least '}${bytes} bytes (${bytes * 2} hex characters)`)
  return key
}

function adminToken(name: string, value: unknown): string {
  // The message names the rule, never the value.
  if (typeof value !== 'string' || value.length < ADMIN_TOKEN_MIN_LENGTH || !BEARER_TOKEN.test(value)) {
    throw new ConfigError(`${name} must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters of A-Z a-z 0-9 - . _ ~ + /`)
  }
  return value
}

const newAdminToken = () => `cmat_${randomBytes(32).toString('base64url')}`

/** Replaces the file in one rename, so a reader sees the old content or the new, never half. */
function writeAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' })
  renameSync(temporary, file)
}

function readDevelopmentFile(file: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not a JSON object')
    return parsed as Record<string, unknown>
  } catch (error) {
    throw new ConfigError(`development secrets ${file} are unreadable; restore the file or set ${SEALING_KEY_ENV}, ${AUDIT_HMAC_KEY_ENV} and ${ADMIN_TOKEN_ENV}`, { cause: error })
  }
}

function developmentSecrets(file: string): DevelopmentSecrets {
  if (!existsSync(file)) {
    const secrets = { sealing: randomBytes(32).toString('hex'), audit: randomBytes(32).toString('hex'), admin: newAdminToken() }
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
    return secrets
  }
  let stored = readDevelopmentFile(file)
  if (stored.admin === undefined) {
    // A file written before the admin API existed: add its token and keep every other field as
    // it was (the sealing key in it still has to open the signing keys already in the database).
    writeAtomically(file, JSON.stringify({ ...stored, admin: newAdminToken() }, null, 2) + '\n')
    // Another process may have added its own token at the same moment: the file is the truth.
    stored = readDevelopmentFile(file)
  }
  return stored as unknown as DevelopmentSecrets
}

function listOf(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

export function loadSecrets(databasePath: string, env: NodeJS.ProcessEnv, warn: (line: string) => void): Secrets {
  const sealingEnv = env[SEALING_KEY_ENV]
  const auditEnv = env[AUDIT_HMAC_KEY_ENV]
  const adminEnv = env[ADMIN_TOKEN_ENV]
  const missing = [!sealingEnv && SEALING_KEY_ENV, !auditEnv && AUDIT_HMAC_KEY_ENV, !adminEnv && ADMIN_TOKEN_ENV].filter((n): n is string => typeof n === 'string')
  const file = join(dirname(databasePath), 'dev-secrets.json')
  const dev = missing.length > 0 ? developmentSecrets(file) : undefined
  if (dev) warn(`WARNING: ${listOf(missing)} not set: using development keys from ${file}. You MUST set them in production.`)
  return {
    sealingKey: fromHex(SEALING_KEY_ENV, sealingEnv || dev!.sealing, 32, true),
    auditHmacKey: fromHex(AUDIT_HMAC_KEY_ENV, auditEnv || dev!.audit, 32, false),
    adminToken: adminEnv ? adminToken(ADMIN_TOKEN_ENV, adminEnv) : adminToken(`the admin token in ${file}`, dev!.admin),
    development: dev !== undefined,
  }
}

/** No audit key to verify with: neither the environment nor an existing development file has one. */
export class AuditKeyUnavailableError extends CaracalMcpError {
  readonly code = 'ERR_AUDIT_KEY_UNAVAILABLE'
}

/**
 * The audit chain's key for reading the log (`audit verify`), and nothing else: from
 * CARACAL_MCP_AUDIT_HMAC_KEY, or from a development secrets file that already exists beside the
 * database. It never creates or rewrites that file: a fresh key would only make every row look
 * forged. Needs none of the other secrets.
 */
export function loadAuditKey(databasePath: string, env: NodeJS.ProcessEnv, warn: (line: string) => void): Buffer {
  const fromEnv = env[AUDIT_HMAC_KEY_ENV]
  if (fromEnv) return fromHex(AUDIT_HMAC_KEY_ENV, fromEnv, 32, false)
  const file = join(dirname(databasePath), 'dev-secrets.json')
  if (!existsSync(file)) throw new AuditKeyUnavailableError(`no audit key: set ${AUDIT_HMAC_KEY_ENV} to the key the log was written with (there is no development secrets file ${file})`)
  const stored = readDevelopmentFile(file)
  if (typeof stored.audit !== 'string') throw new AuditKeyUnavailableError(`no audit key: ${file} holds none; set ${AUDIT_HMAC_KEY_ENV} to the key the log was written with`)
  warn(`WARNING: ${AUDIT_HMAC_KEY_ENV} not set: using the development audit key from ${file}. You MUST set it in production.`)
  return fromHex(`the audit key in ${file}`, stored.audit, 32, false)
}
