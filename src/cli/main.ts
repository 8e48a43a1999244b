#!/usr/bin/env node
// The caracal-mcp command: dispatches to a command and turns every error into one line a person
// can act on (exit 2 for a command line that cannot run, 1 for anything else).
import { z } from 'zod'
import { configSchema } from '../config/index.js'
import { CaracalMcpError, CliUsageError } from '../errors.js'
import { adminCommand, isAdminCommand } from './admin-command.js'
import { auditCommand } from './audit-command.js'
import { clientConfigCommand } from './client-config-command.js'
import { LOG_FORMAT_ENV, logWriter } from './log-lines.js'
import { policyCommand } from './policy-command.js'
import { startCommand } from './start-command.js'
import { stdioCommand } from './stdio-command.js'
import { tokenCommand } from './token-command.js'

const USAGE = `usage: caracal-mcp <command>
  start [--config mcp.config.json]            serve the STS, the Coordinator (/zones) and the admin API
                                              (/v1, bearer CARACAL_MCP_ADMIN_TOKEN)
  zones list
  applications create --zone id --name n [--id id] [--registration managed|dcr]
                                              prints the application id and, once, its secret
  applications list --zone id | disable [--zone id] --id id | rotate-secret [--zone id] --id id
  resources register --zone id --identifier resource://… --scopes a,b | list --zone id
  keys rotate --zone id                       new signing key; the previous one verifies for 24 h
  sessions start --zone id --application id [--lifecycle task|service] [--ttl s] [--heartbeat s]
                 [--label l]…                 start an agent session; prints its id and expiry
  sessions list --zone id [--application id] [--status active|suspended|terminated]
  sessions terminate --zone id --id s [--reason r]
                                              end the session and every session under it
  sessions heartbeat --zone id --id s         keep a service session alive
  sessions spawn --zone id --application id --parent s [--authority inherit|narrow|none]
                 [--scopes a,b --resources r1,r2] [--ttl s] [--label l]…
                                              start a child of live session s; never beyond its authority
  sessions suspend --zone id --id s [--reason r] | resume --zone id --id s
                                              pause a session and its subtree (its mandates stop verifying)
  delegations create --zone id --issuer app --source s --target t --scopes a,b
                 [--resource r | --resources r1,r2] (--ttl s | --expires-at t)
                 [--receiver app] [--max-hops n] [--parent e]
                                              delegate from session s to t (no resource: a broad edge)
  delegations accept --zone id --id e --application app
                                              accept edge e for its receiver application
  delegations revoke --zone id --id e [--reason r]
                                              revoke e and the edges below it; their target sessions end
  delegations list --zone id [--session s]
  approvals list --zone id [--state pending|approved|rejected|expired|consumed]
  approvals approve|reject --zone id --id x [--reason r]
                                              decide a held request as an operator
  token --zone id --application id --resource resource://… [--ttl s] [--secret-file f]
                                              print a bootstrap mandate (secret in CARACAL_MCP_CLIENT_SECRET)
  token --zone id --application id --session s [--ttl s] [--secret-file f]
                                              print an agent mandate bound to agent session s
  revoke authority --zone id (--record sid | --subject sub | --application id) [--reason r]
                                              revoke authority records (a record with all rooted in it,
                                              a subject's, an application's); mandates on them stop verifying
  policy check [--config …]                   validate every zone's policy data
  policy eval --input <file|-> [--zone id] [--entrypoint exchange|tool_call]
                                              decide one policy input document
  audit verify [--zone id] [--expect-head zone:seq:sha256]… [--config …]
                                              recompute the audit hash chains, print each zone's head and
                                              name the first broken row (exit 1); --expect-head (repeatable or
                                              comma-separated) is a head printed earlier and kept elsewhere: the
                                              chain must still hold that row with that hash (else head_missing
                                              or head_mismatch: rows were cut from the end). The key is
                                              CARACAL_MCP_AUDIT_HMAC_KEY or an existing dev-secrets.json
  audit tail --zone id [--limit 20]           print a zone's newest audit events
  audit query --request-id id                 print the audit events of one request
  audit explain <request-id> [--json] [--config …]
                                              print one request's calls across every MCP hop as a tree,
                                              with the reason for each deny
  config schema                               print the JSON Schema of mcp.config.json
  client-config --for claude|claude-code|cursor|vscode [--server name] [--url base] [--config …]
                                              print the entry for an MCP client's config (token placeholder)
  stdio [--url http://host:port/mcp[/server]] [--server name] [--config …]
        [--zone id --application id --session s]
                                              MCP over stdin/stdout, forwarded to the proxy with the agent
                                              mandate from CARACAL_MCP_TOKEN or CARACAL_MCP_TOKEN_FILE, or
                                              obtained and renewed with CARACAL_MCP_CLIENT_SECRET[_FILE]`

const out = (line: string) => process.stdout.write(`${line}\n`)
const warn = logWriter(process.env, (text) => process.stderr.write(text), 'warn')
/** What the server says about itself while it runs: JSON lines too, when the log format asks for them. */
const serverOut = process.env[LOG_FORMAT_ENV] === 'json' ? logWriter(process.env, (text) => process.stdout.write(text), 'info') : out

async function run(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
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
    case 'help':
    case '--help':
      out(USAGE)
      return command === undefined ? 2 : 0
    default:
      if (isAdminCommand(command)) return adminCommand(command!, rest, out, warn)
      throw new CliUsageError(`unknown command ${command}`)
  }
}

try {
  process.exitCode = await run(process.argv.slice(2))
} catch (error) {
  if (error instanceof CaracalMcpError) {
    process.stderr.write(`caracal-mcp: ${error.message}\n`)
    if (error instanceof CliUsageError) process.stderr.write(`${USAGE}\n`)
    process.exitCode = error instanceof CliUsageError ? 2 : 1
  } else {
    process.stderr.write(`caracal-mcp: unexpected error: ${(error as Error)?.stack ?? error}\n`)
    process.exitCode = 1
  }
}
