// Administration on the configured database: zones, applications (the secret is printed once),
// resources, signing-key rotation, agent sessions (spawn and suspension included), delegation
// edges and approval decisions, through the same operations as the admin HTTP API. Works whether
// or not the server is running (SQLite WAL).
import { APPLICATION_ID_PATTERN, createApplication, disableApplication, registerResource, rotateApplicationSecret, rotateSigningKey } from '../admin/index.js'
import { loadConfig } from '../config/index.js'
import { CliUsageError } from '../errors.js'
import { openRuntime, type Runtime } from '../runtime.js'
import { StoreConflictError } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { APPROVAL_COMMANDS } from './approval-commands.js'
import { REVOKE_COMMANDS } from './revoke-command.js'
import { optionValue, parseArgs, type ParsedArgs } from './args.js'
import { choiceOption, required, zoneOf, type CommandGroup } from './command-group.js'
import { configFlag, shellWord } from './command-hints.js'
import { DELEGATION_COMMANDS } from './delegation-commands.js'
import { SESSION_LIFECYCLE_COMMANDS } from './session-lifecycle-commands.js'
import { SESSION_COMMANDS } from './session-commands.js'
import { printTable } from './table.js'

const CATALOGUE_OPTIONS = ['zone', 'name', 'id', 'identifier', 'scopes', 'registration']

/** --zone is optional where the CLI first had none; when given, the application must be its. */
function optionalZone(runtime: Runtime, args: ParsedArgs): string | undefined {
  return optionValue(args, 'zone') === undefined ? undefined : zoneOf(runtime, args)
}

/** One group from two: the options and commands of both. */
function joined(a: CommandGroup, b: CommandGroup): CommandGroup {
  return {
    valued: [...new Set([...a.valued, ...b.valued])],
    repeatable: [...new Set([...(a.repeatable ?? []), ...(b.repeatable ?? [])])],
    positional: { ...a.positional, ...b.positional },
    commands: { ...a.commands, ...b.commands },
  }
}

/** The operator request of one CLI command, for the audit rows it causes. */
const cliOperator = () => ({ requestId: uuid7(), actor: 'operator:cli' })

const GROUPS: Record<string, CommandGroup> = {
  zones: {
    valued: CATALOGUE_OPTIONS,
    commands: {
      async list(runtime, _args, out) {
        printTable(out, ['ID', 'NAME'], runtime.store.zones.list().map((z) => [z.id, z.name]))
        return 0
      },
    },
  },
  applications: {
    valued: CATALOGUE_OPTIONS,
    commands: {
      async create(runtime, args, out) {
        const zoneId = zoneOf(runtime, args)
        const registrationMethod = choiceOption(args, 'registration', ['managed', 'dcr'] as const)
        const id = optionValue(args, 'id')
        if (id !== undefined && !APPLICATION_ID_PATTERN.test(id)) throw new CliUsageError('--id is 1–128 letters, digits, ".", "_" or "-"')
        const { application, clientSecret } = await createApplication(runtime, { zoneId, name: required(args, 'name'), ...(id && { id }), ...(registrationMethod && { registrationMethod }) }, cliOperator()).catch((error: unknown) => {
          // A second `npm start` walkthrough ends here: say what gets a usable secret instead.
          const existing = id === undefined ? undefined : runtime.store.applications.get(id)
          if (!(error instanceof StoreConflictError) || !existing) throw error
          throw new StoreConflictError(`${error.message}; for a new secret of it: caracal-mcp applications rotate-secret --zone ${existing.zoneId} --id ${shellWord(existing.id)}${configFlag(optionValue(args, 'config'))}`, { cause: error })
        })
        out(`application_id: ${application.id}`)
        out(`client_secret: ${clientSecret}`)
        out('The secret is shown once and stored only as a hash: keep it now.')
        return 0
      },
      async list(runtime, args, out) {
        printTable(out, ['ID', 'STATUS', 'REGISTRATION', 'NAME'], runtime.store.applications.listByZone(zoneOf(runtime, args)).map((a) => [a.id, a.status, a.registrationMethod, a.name]))
        return 0
      },
      async disable(runtime, args, out) {
        const { application, terminatedSessions } = await disableApplication(runtime, optionalZone(runtime, args), required(args, 'id'), cliOperator())
        out(`application ${application.id} disabled; ${terminatedSessions.length} live session(s) terminated`)
        return 0
      },
      async 'rotate-secret'(runtime, args, out) {
        out(`client_secret: ${await rotateApplicationSecret(runtime, optionalZone(runtime, args), required(args, 'id'), cliOperator())}`)
        out('The previous secret no longer authenticates. The new one is shown once: keep it now.')
        return 0
      },
    },
  },
  resources: {
    valued: CATALOGUE_OPTIONS,
    commands: {
      async register(runtime, args, out) {
        const zoneId = zoneOf(runtime, args)
        const scopes = required(args, 'scopes').split(',').map((s) => s.trim()).filter(Boolean)
        if (scopes.length === 0 || scopes.some((s) => /\s/.test(s) || s.length > 200)) throw new CliUsageError('--scopes is a comma-separated list of scopes without whitespace')
        const { resource } = await registerResource(runtime, zoneId, required(args, 'identifier'), scopes, cliOperator())
        out(`${resource.identifier}\t${resource.scopes.join(' ')}`)
        return 0
      },
      async list(runtime, args, out) {
        printTable(out, ['IDENTIFIER', 'SCOPES'], runtime.store.resources.list(zoneOf(runtime, args)).map((r) => [r.identifier, r.scopes.join(' ')]))
        return 0
      },
    },
  },
  keys: {
    valued: CATALOGUE_OPTIONS,
    commands: {
      async rotate(runtime, args, out) {
        const zoneId = zoneOf(runtime, args)
        const { kid, previousKid } = await rotateSigningKey(runtime, zoneId, uuid7())
        out(`zone ${zoneId}: signing key ${kid} active; ${previousKid} stays published for 24 h`)
        return 0
      },
    },
  },
  sessions: joined(SESSION_COMMANDS, SESSION_LIFECYCLE_COMMANDS),
  delegations: DELEGATION_COMMANDS,
  approvals: APPROVAL_COMMANDS,
  revoke: REVOKE_COMMANDS,
}

/** `approvals approve <id>`: the word stands for `--id`, which may also be given, if it agrees. */
function takePositional(args: ParsedArgs, option: string, word: string): void {
  const given = optionValue(args, option)
  if (given !== undefined && given !== word) throw new CliUsageError(`${word} and --${option} ${given} name different ${option}s: give one`)
  args.options.set(option, word)
}

export function isAdminCommand(command: string | undefined): boolean {
  return command !== undefined && Object.hasOwn(GROUPS, command)
}

export async function adminCommand(command: string, argv: readonly string[], out: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const group = GROUPS[command]!
  const args = parseArgs(argv, ['config', ...group.valued], [], group.repeatable)
  const [sub, ...rest] = args.positionals
  const handler = sub && Object.hasOwn(group.commands, sub) ? group.commands[sub] : undefined
  if (!handler) throw new CliUsageError(`${command} commands: ${Object.keys(group.commands).join(', ')}`)
  const positional = group.positional && Object.hasOwn(group.positional, sub!) ? group.positional[sub!] : undefined
  if (positional !== undefined && rest.length === 1) takePositional(args, positional, rest.shift()!)
  if (rest.length > 0) throw new CliUsageError(`unexpected argument ${rest[0]}`)
  const runtime = await openRuntime(await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json'), process.env, warn)
  try {
    return await handler(runtime, args, out)
  } finally {
    await runtime.close()
  }
}
