// `caracal-mcp audit verify|tail|query`: read the audit log of the configured database.
// `verify` recomputes every zone's hash chain and names the first broken row (exit 1); events
// print as the admin API shows them (rows as stored, JSON columns parsed).
import { existsSync } from 'node:fs'
import { auditEventJson } from '../admin/index.js'
import { verifyAuditChains } from '../audit/index.js'
import { loadConfig, loadSecrets } from '../config/index.js'
import { CliUsageError, ConfigError } from '../errors.js'
import { openStore, type Store } from '../store/index.js'
import { optionValue, parseArgs } from './args.js'

export async function auditCommand(argv: readonly string[], out: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['config', 'zone', 'limit', 'request-id'])
  const [sub, ...rest] = args.positionals
  if (rest.length > 0) throw new CliUsageError(`unexpected argument ${rest[0]}`)
  if (sub !== 'verify' && sub !== 'tail' && sub !== 'query') throw new CliUsageError(sub ? `unknown audit command ${sub} (verify, tail, query)` : 'audit needs a command: verify, tail, query')
  const loaded = await loadConfig(optionValue(args, 'config') ?? 'mcp.config.json')
  if (!existsSync(loaded.databasePath)) throw new ConfigError(`no database at ${loaded.databasePath}; nothing has been audited yet`)
  const store: Store = openStore(loaded.databasePath)
  try {
    if (sub === 'verify') {
      const { auditHmacKey } = loadSecrets(loaded.databasePath, process.env, warn)
      const reports = verifyAuditChains(store.auditEvents, auditHmacKey, optionValue(args, 'zone'))
      let broken = 0
      for (const r of reports) {
        if (r.firstBreak) {
          broken++
          out(`zone ${r.zoneId}: chain broken at chain_seq ${r.firstBreak.chainSeq} (event ${r.firstBreak.id}): ${r.firstBreak.reason}`)
        } else {
          out(`zone ${r.zoneId}: ${r.events} events, chain intact`)
        }
      }
      if (reports.length === 0) out('no audit events')
      return broken > 0 ? 1 : 0
    }
    if (sub === 'tail') {
      const zone = optionValue(args, 'zone')
      if (!zone) throw new CliUsageError('audit tail needs --zone <id>')
      const limit = Number(optionValue(args, 'limit') ?? '20')
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw new CliUsageError('--limit is a whole number from 1 to 10000')
      for (const row of store.auditEvents.tail(zone, limit).reverse()) out(JSON.stringify(auditEventJson(row)))
      return 0
    }
    const requestId = optionValue(args, 'request-id')
    if (!requestId) throw new CliUsageError('audit query needs --request-id <id>')
    for (const row of store.auditEvents.byRequestId(requestId)) out(JSON.stringify(auditEventJson(row)))
    return 0
  } finally {
    store.close()
  }
}
