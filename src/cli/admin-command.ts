// Administration on the configured database: zones, applications (the secret is printed once),
// resources and signing-key rotation. Works whether or not the server is running (SQLite WAL).
import { generateSecret, hashSecret } from '../application/index.js'
import { loadConfig } from '../config/index.js'
import { CliUsageError } from '../errors.js'
import { openRuntime, type Runtime } from '../runtime.js'
import { StoreNotFoundError } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { optionValue, parseArgs, type ParsedArgs } from './args.js'

const VALUED = ['config', 'zone', 'name', 'id', 'identifier', 'scopes', 'registration']

function required(args: ParsedArgs, name: string): string {
  const value = optionValue(args, name)
  if (!value) throw new CliUsageError(`--${name} is required`)
  return value
}

function zoneOf(runtime: Runtime, args: ParsedArgs): string {
  const zoneId = required(args, 'zone')
  if (!runtime.store.zones.get(zoneId)) throw new StoreNotFoundError(`zone ${zoneId} does not exist (zones come from policy.zones in ${runtime.loaded.path})`)
  return zoneId
}

type Handler = (runtime: Runtime, args: ParsedArgs, out: (line: string) => void) => Promise<number>

const COMMANDS: Record<string, Record<string, Handler>> = {
  zones: {
    async list(runtime, _args, out) {
      for (const z of runtime.store.zones.list()) out(`${z.id}\t${z.name}`)
      return 0
    },
  },
  applications: {
    async create(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const registration = optionValue(args, 'registration') ?? 'managed'
      if (registration !== 'managed' && registration !== 'dcr') throw new CliUsageError('--registration is managed or dcr')
      const id = optionValue(args, 'id') ?? uuid7()
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) throw new CliUsageError('--id is 1–128 letters, digits, ".", "_" or "-"')
      const secret = generateSecret()
      const now = Date.now()
      runtime.store.applications.create({ id, zoneId, name: required(args, 'name'), registrationMethod: registration, secretHash: await hashSecret(secret), status: 'active', createdAt: now, updatedAt: now })
      out(`application_id: ${id}`)
      out(`client_secret: ${secret}`)
      out('The secret is shown once and stored only as a hash: keep it now.')
      return 0
    },
    async list(runtime, args, out) {
      for (const a of runtime.store.applications.listByZone(zoneOf(runtime, args))) out(`${a.id}\t${a.status}\t${a.registrationMethod}\t${a.name}`)
      return 0
    },
    async disable(runtime, args, out) {
      runtime.store.applications.setStatus(required(args, 'id'), 'disabled', Date.now())
      out(`application ${required(args, 'id')} disabled`)
      return 0
    },
    async 'rotate-secret'(runtime, args, out) {
      const secret = generateSecret()
      runtime.store.applications.setSecretHash(required(args, 'id'), await hashSecret(secret), Date.now())
      out(`client_secret: ${secret}`)
      out('The previous secret no longer authenticates. The new one is shown once: keep it now.')
      return 0
    },
  },
  resources: {
    async register(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const scopes = required(args, 'scopes').split(',').map((s) => s.trim()).filter(Boolean)
      if (scopes.some((s) => /\s/.test(s) || s.length > 200)) throw new CliUsageError('--scopes is a comma-separated list of scopes without whitespace')
      const row = runtime.store.resources.register(zoneId, required(args, 'identifier'), scopes, uuid7(), Date.now())
      out(`${row.identifier}\t${row.scopes.join(' ')}`)
      return 0
    },
    async list(runtime, args, out) {
      for (const r of runtime.store.resources.list(zoneOf(runtime, args))) out(`${r.identifier}\t${r.scopes.join(' ')}`)
      return 0
    },
  },
  keys: {
    async rotate(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const previous = runtime.keys.signingKey(zoneId)
      const key = runtime.keys.rotate(zoneId)
      await runtime.audit.record({ zoneId, eventType: 'key_rotated', requestId: uuid7(), decision: 'allow', evaluationStatus: 'complete', metadata: { kid: key.kid, previous_kid: previous.kid } })
      out(`zone ${zoneId}: signing key ${key.kid} active; ${previous.kid} stays published for 24 h`)
      return 0
    },
  },
}

export function isAdminCommand(command: string | undefined): boolean {
  return command !== undefined && command in COMMANDS
}

export async function adminCommand(command: string, argv: readonly string[], out: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, VALUED)
  const [sub, ...rest] = args.positionals
  const group = COMMANDS[command]!
  const handler = sub ? group[sub] : undefined
  if (!handler) throw new CliUsageError(`${command} commands: ${Object.keys(group).join(', ')}`)
  if (rest.length > 0) throw new CliUsageError(`unexpected argument ${rest[0]}`)
  const runtime = await openRuntime(await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json'), process.env, warn)
  try {
    return await handler(runtime, args, out)
  } finally {
    await runtime.close()
  }
}
