// `caracal-mcp audit verify|tail|query|explain`: read the audit log of the configured database.
// `verify` recomputes every zone's hash chain, prints each zone's head, and names the first broken
// row or missing head (exit 1); events print as the admin API shows them (rows as stored, JSON
// columns parsed); `explain` prints one request's calls across every MCP hop as a tree, with the
// reason for each deny.
import { existsSync } from 'node:fs'
import { auditEventJson } from '../admin/index.js'
import { explainRequest, explanationLines, formatHead, parseExpectedHead, printable, verifyAuditChains, type ExpectedHead, type ZoneChainReport } from '../audit/index.js'
import { loadAuditKey, loadConfig } from '../config/index.js'
import { CliUsageError, ConfigError } from '../errors.js'
import { openStore, StoreNotFoundError, type Store } from '../store/index.js'
import { optionValue, optionValues, parseArgs, type ParsedArgs } from './args.js'

export async function auditCommand(argv: readonly string[], out: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['config', 'zone', 'limit', 'request-id'], ['json'], ['expect-head'])
  const [sub, ...rest] = args.positionals
  if (sub !== 'verify' && sub !== 'tail' && sub !== 'query' && sub !== 'explain') throw new CliUsageError(sub ? `unknown audit command ${sub} (verify, tail, query, explain)` : 'audit needs a command: verify, tail, query, explain')
  // Only explain takes a positional word (the request id) and --json.
  const [requestIdToExplain, ...extra] = sub === 'explain' ? rest : [undefined, ...rest]
  if (extra.length > 0) throw new CliUsageError(`unexpected argument ${extra[0]}`)
  if (sub === 'explain' && !requestIdToExplain) throw new CliUsageError('audit explain needs a request id: audit explain <request-id>')
  if (sub !== 'explain' && args.options.has('json')) throw new CliUsageError(`audit ${sub} has no --json option`)
  if (sub !== 'verify' && args.options.has('expect-head')) throw new CliUsageError(`audit ${sub} has no --expect-head option`)
  const expectedHeads = sub === 'verify' ? expectedHeadsOf(args) : []
  const loaded = await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json')
  if (!existsSync(loaded.databasePath)) throw new ConfigError(`no database at ${loaded.databasePath}; nothing has been audited yet`)
  // Before the store opens: without the key there is nothing to verify, and nothing to create.
  const auditKey = sub === 'verify' ? loadAuditKey(loaded.databasePath, process.env, warn) : undefined
  const store: Store = openStore(loaded.databasePath)
  try {
    const zone = optionValue(args, 'zone')
    if (zone !== undefined) requireKnownZone(store, zone, loaded.databasePath)
    if (auditKey) {
      const reports = verifyAuditChains(store.auditEvents, auditKey, { zoneId: zone, expectedHeads })
      for (const r of reports) out(reportLine(r))
      if (reports.length === 0) out('no audit events')
      return reports.some((r) => r.firstBreak) ? 1 : 0
    }
    if (sub === 'tail') {
      if (!zone) throw new CliUsageError('audit tail needs --zone <id>')
      const limit = Number(optionValue(args, 'limit') ?? '20')
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw new CliUsageError('--limit is a whole number from 1 to 10000')
      for (const row of store.auditEvents.tail(zone, limit).reverse()) out(JSON.stringify(auditEventJson(row)))
      return 0
    }
    if (requestIdToExplain) return explain(store, requestIdToExplain, args.options.has('json'), out, warn)
    const requestId = optionValue(args, 'request-id')
    if (!requestId) throw new CliUsageError('audit query needs --request-id <id>')
    const rows = store.auditEvents.byRequestId(requestId)
    // As explain: an id with no rows is most often a mistyped one, which a script must be able to tell.
    if (rows.length === 0) {
      warn(`no audit events for request ${requestId}`)
      return 1
    }
    for (const row of rows) out(JSON.stringify(auditEventJson(row)))
    return 0
  } finally {
    store.close()
  }
}

/**
 * A zone named with --zone must be one of the database's (configured once, or with audit rows):
 * a report for a zone that never existed would read like a chain that lost every row.
 */
function requireKnownZone(store: Store, zoneId: string, databasePath: string): void {
  if (store.zones.get(zoneId) || store.auditEvents.zones().includes(zoneId)) return
  const known = [...new Set([...store.zones.list().map((z) => z.id), ...store.auditEvents.zones()])].sort()
  throw new StoreNotFoundError(`zone ${zoneId} does not exist in the database ${databasePath} (${known.length > 0 ? known.join(', ') : 'it has no zones'})`)
}

/** Every `--expect-head zone:seq:sha256`, repeated or comma-separated; one zone's only with --zone. */
function expectedHeadsOf(args: ParsedArgs): ExpectedHead[] {
  const heads = optionValues(args, 'expect-head').flatMap((v) => v.split(',')).map((text) => {
    const head = parseExpectedHead(text)
    if (!head) throw new CliUsageError(`--expect-head ${text} is not <zone>:<chain_seq>:<sha256>, as audit verify prints heads`)
    return head
  })
  const zone = optionValue(args, 'zone')
  const other = zone === undefined ? undefined : heads.find((h) => h.zoneId !== zone)
  if (other) throw new CliUsageError(`--expect-head names zone ${other.zoneId}, but --zone is ${zone}`)
  return heads
}

/** One line per zone: its events, its head (what to keep for --expect-head), and its first break. */
function reportLine(r: ZoneChainReport): string {
  const head = r.head ? `; head ${formatHead(r.zoneId, r.head)}` : ''
  const b = r.firstBreak
  if (!b) return printable(`zone ${r.zoneId}: ${r.events} events, chain intact${head}`)
  return printable(`zone ${r.zoneId}: ${r.events} events, chain broken at chain_seq ${b.chainSeq}${b.id ? ` (event ${b.id})` : ''}: ${b.reason}${head}`)
}

/** Loads one request's rows and prints their explanation; an id with no rows is exit 1. */
function explain(store: Store, requestId: string, json: boolean, out: (line: string) => void, warn: (line: string) => void): number {
  const rows = store.auditEvents.byRequestId(requestId).map(auditEventJson)
  if (rows.length === 0) {
    warn(`no audit events for request ${requestId}`)
    return 1
  }
  // A revoked anchor is looked up as of the call: the revocation that cut it may have expired since.
  const explanation = explainRequest(requestId, rows, (anchor, atMs) => store.revocations.get(anchor, atMs))
  if (json) out(JSON.stringify(explanation, null, 2))
  else for (const line of explanationLines(explanation)) out(line)
  return 0
}
