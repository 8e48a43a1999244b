#!/usr/bin/env node
// The caracal-mcp command: dispatches to a command and turns every error into one line a person
// can act on, with its stable code (exit 2 for a command line that cannot run, 1 for anything
// else). `--help` or `-h` anywhere prints the usage of the command it follows, exit 0.
import { z } from 'zod'
import { configSchema } from '../config/index.js'
import { CaracalMcpError, CliUsageError } from '../errors.js'
import { adminCommand, isAdminCommand } from './admin-command.js'
import { auditCommand } from './audit-command.js'
import { clientConfigCommand } from './client-config-command.js'
import { errorLine } from './error-line.js'
import { LOG_FORMAT_ENV, logWriter, withoutTokens } from './log-lines.js'
import { policyCommand } from './policy-command.js'
import { startCommand } from './start-command.js'
import { stdioCommand } from './stdio-command.js'
import { tokenCommand } from './token-command.js'
import { USAGE, usageOf } from './usage.js'

const out = (line: string) => process.stdout.write(`${line}\n`)
const warn = logWriter(process.env, (text) => process.stderr.write(text), 'warn')
/** What the server says about itself while it runs: JSON lines too, when the log format asks for them. */
const serverOut = process.env[LOG_FORMAT_ENV] === 'json' ? logWriter(process.env, (text) => process.stdout.write(text), 'info') : out

const HELP_FLAGS = new Set(['--help', '-h'])

async function run(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  // Asked anywhere, help wins over whatever else the line holds: the parsers would call it an
  // unknown option, and a person typing it wants the usage, not an error.
  if (argv.some((word) => HELP_FLAGS.has(word))) {
    out(HELP_FLAGS.has(command!) ? USAGE : usageOf(command))
    return 0
  }
  switch (command) {
    case 'start':
      return startCommand(rest, serverOut, warn)
    case 'token':
      return tokenCommand(rest, out, warn)
    case 'policy':
      return policyCommand(rest, out)
    case 'audit':
      return auditCommand(rest, out, warn)
    case 'client-config':
      return clientConfigCommand(rest, out, warn)
    case 'stdio':
      return stdioCommand(rest, warn)
    case 'config':
      if (rest.length !== 1 || rest[0] !== 'schema') throw new CliUsageError('config has one command: schema')
      out(JSON.stringify(z.toJSONSchema(configSchema, { io: 'input' }), null, 2))
      return 0
    case undefined:
      out(USAGE)
      return 2
    case 'help':
      out(rest.length === 1 ? usageOf(rest[0]) : USAGE)
      return 0
    default:
      if (isAdminCommand(command)) return adminCommand(command!, rest, out, warn)
      throw new CliUsageError(`unknown command ${command}`)
  }
}

const argv = process.argv.slice(2)
try {
  process.exitCode = await run(argv)
} catch (error) {
  if (error instanceof CaracalMcpError) {
    process.stderr.write(`${errorLine(error)}\n`)
    // Only a command line that cannot run gets the usage, and only its command's part of it.
    if (error instanceof CliUsageError) process.stderr.write(`${usageOf(argv[0])}\n`)
    process.exitCode = error instanceof CliUsageError ? 2 : 1
  } else {
    process.stderr.write(`caracal-mcp: unexpected error: ${withoutTokens(String((error as Error)?.stack ?? error))}\n`)
    process.exitCode = 1
  }
}
