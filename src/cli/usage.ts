// The caracal-mcp usage text, whole (`caracal-mcp help`) or one command's part of it
// (`caracal-mcp <command> --help`, and under a usage error, where the whole text would bury the
// one line that says what is wrong).

const ENTRIES = `  start [--config mcp.config.json] [--no-walkthrough]
                                              serve the STS, the Coordinator (/zones), the admin API
                                              (/v1, bearer CARACAL_MCP_ADMIN_TOKEN) and the MCP proxy;
                                              --no-walkthrough skips the governed calls shown at start
  zones list
  applications create --zone id --name n [--id id] [--registration managed|dcr]
                                              prints the application id and, once, its secret
  applications list --zone id | disable [--zone id] --id id
  applications rotate-secret [--zone id] --id id
                                              a new secret for an existing application, shown once
  resources register --zone id --identifier resource://… --scopes a,b | list --zone id
  keys rotate --zone id                       new signing key; the previous one verifies for 24 h
  sessions start --zone id --application id [--lifecycle task|service] [--ttl s] [--heartbeat s]
                 [--label l]…                 start an agent session; prints its id and expiry
  sessions list --zone id [--application id] [--status active|expired|suspended|terminated]
                                              expired: active, but its TTL or heartbeat deadline has passed
  sessions terminate --zone id --id s [--reason r]
                                              end the session and every session under it (ended already: exit 0)
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
                                              (revoked already: exit 0)
  delegations list --zone id [--session s]
  approvals list --zone id [--state pending|approved|rejected|expired|consumed]
  approvals approve|reject <id> [--zone id] [--reason r]
                                              decide a held request as an operator (the zone is the hold's;
                                              --zone, if given, must be it; --id <id> works too)
  token --zone id --application id --resource resource://… [--ttl s] [--secret-file f]
                                              print a bootstrap mandate (secret in CARACAL_MCP_CLIENT_SECRET)
  token --zone id --application id --session s [--ttl s] [--secret-file f]
                                              print an agent mandate bound to agent session s; stderr names
                                              the issuer it is for and when it expires (900 s; --ttl ≤ 3600)
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
  audit query --request-id id                 print the audit events of one request (none: exit 1)
  audit explain <request-id> [--json] [--config …]
                                              print one request's calls across every MCP hop as a tree,
                                              with the reason for each deny
  config schema                               print the JSON Schema of mcp.config.json
  client-config --for claude|claude-code|cursor|vscode [--server name] [--url url] [--config …]
                                              print the entry for an MCP client's config (placeholders only);
                                              --url is the proxy's base URL (http://host:port) or its
                                              endpoint (…/mcp, or …/mcp/<server> for one server)
  stdio [--url http://host:port/mcp[/server]] [--server name] [--config …]
        [--zone id --application id [--session s | --label l … --lifecycle-resource r]]
                                              MCP over stdin/stdout, forwarded to the proxy with the agent
                                              mandate from CARACAL_MCP_TOKEN or CARACAL_MCP_TOKEN_FILE, or
                                              obtained and renewed with CARACAL_MCP_CLIENT_SECRET[_FILE]
                                              for --session, or without it for a service session the
                                              bridge starts (bootstrap mandate for --lifecycle-resource,
                                              default resource://caracal/lifecycle), heartbeats and ends;
                                              --url is the endpoint itself`

const NOTES = `Every command takes --config (default mcp.config.json) and reads the same CARACAL_MCP_* environment as
start (database, host, port, issuer, keys): run it with what start was run with. <command> --help prints
that command's part. Errors are one line, caracal-mcp: <code> (<wire code>, if any): <message>; exit 2 for a
command line that cannot run (with the command's usage), 1 for anything else.`

const HEADER = 'usage: caracal-mcp <command>'

export const USAGE = `${HEADER}\n${ENTRIES}\n${NOTES}`

/** The usage entries of one command (an entry starts at two spaces; deeper lines continue it). */
export function usageOf(command: string | undefined): string {
  const entries: string[][] = []
  for (const line of ENTRIES.split('\n')) {
    if (/^ {2}\S/.test(line)) entries.push([line])
    else entries.at(-1)!.push(line)
  }
  const own = entries.filter((entry) => entry[0]!.trim().split(/\s/, 1)[0] === command)
  if (own.length === 0) return USAGE
  return [HEADER, ...own.flat(), `Every command takes --config and reads the CARACAL_MCP_* environment start was run with; caracal-mcp help lists every command.`].join('\n')
}
