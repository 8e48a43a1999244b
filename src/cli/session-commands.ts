// `caracal-mcp sessions start|list|terminate|heartbeat`: agent sessions of a zone, through the
// same audited operations as the admin API (started_by `cli`; terminating ends the subtree, and
// terminating an ended session is no failure: what was asked for holds).
import { sessionJson, startSession, terminateSession } from '../admin/index.js'
import { MAX_HEARTBEAT_SECONDS, MAX_TASK_TTL_SECONDS, MIN_HEARTBEAT_SECONDS } from '../sessions/index.js'
import { sessionDeadline, type AgentSessionRow } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { optionValue, optionValues } from './args.js'
import { choiceOption, required, secondsOption, zoneOf, type CommandGroup } from './command-group.js'
import { configFlag } from './command-hints.js'
import { printTable } from './table.js'

/** What `list` shows and filters on: `active` only while the session is live; past its TTL or heartbeat deadline, `expired`. */
export type ShownSessionStatus = 'active' | 'expired' | 'suspended' | 'terminated'
const SHOWN_STATUSES = ['active', 'expired', 'suspended', 'terminated'] as const

export function shownStatus(row: AgentSessionRow, nowMs: number): ShownSessionStatus {
  // The stored status stays `active` until something ends the session; its deadline ends it on its own.
  return row.status === 'active' && sessionDeadline(row) <= nowMs ? 'expired' : row.status
}

const COLUMNS = ['ID', 'STATUS', 'LIFECYCLE', 'APPLICATION', 'EXPIRES_AT', 'LABELS']

function summary(row: AgentSessionRow, nowMs: number): unknown[] {
  const json = sessionJson(row)
  return [row.id, shownStatus(row, nowMs), row.lifecycle, row.applicationId, json.expires_at, row.labels.join(',')]
}

/** At most this many sessions are listed (filtering by the shown status happens after the query). */
const LIST_LIMIT = 1000

export const SESSION_COMMANDS: CommandGroup = {
  valued: ['zone', 'application', 'lifecycle', 'ttl', 'heartbeat', 'status', 'id', 'reason'],
  repeatable: ['label'],
  commands: {
    async start(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const labels = optionValues(args, 'label')
      const lifecycle = choiceOption(args, 'lifecycle', ['task', 'service'] as const)
      const ttlSeconds = secondsOption(args, 'ttl', 1, MAX_TASK_TTL_SECONDS)
      const heartbeatSeconds = secondsOption(args, 'heartbeat', MIN_HEARTBEAT_SECONDS, MAX_HEARTBEAT_SECONDS)
      const row = await startSession(runtime, {
        zoneId,
        applicationId: required(args, 'application'),
        ...(lifecycle && { lifecycle }),
        ...(ttlSeconds !== undefined && { ttlSeconds }),
        ...(heartbeatSeconds !== undefined && { heartbeatSeconds }),
        ...(labels.length > 0 && { labels }),
        requestId: uuid7(),
        startedBy: 'cli',
      })
      out(`agent_session_id: ${row.id}`)
      out(`expires_at: ${sessionJson(row).expires_at}`)
      if (row.lifecycle === 'service') out(`A service session ends unless a heartbeat arrives every ${row.heartbeatSeconds} s: caracal-mcp sessions heartbeat --zone ${zoneId} --id ${row.id}${configFlag(optionValue(args, 'config'))}`)
      return 0
    },
    async list(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const applicationId = optionValue(args, 'application')
      const status = choiceOption(args, 'status', SHOWN_STATUSES)
      const stored = status === 'expired' ? 'active' : status
      const now = Date.now()
      const rows = runtime.sessions.list({ zoneId, ...(applicationId && { applicationId }), ...(stored && { status: stored }), limit: LIST_LIMIT }).filter((row) => status === undefined || shownStatus(row, now) === status)
      printTable(out, COLUMNS, rows.map((row) => summary(row, now)))
      return 0
    },
    async terminate(runtime, args, out) {
      const id = required(args, 'id')
      const ended = await terminateSession(runtime, zoneOf(runtime, args), id, optionValue(args, 'reason'), uuid7())
      if (ended.length === 0) out(`agent session ${id} was terminated already`)
      for (const endedId of ended) out(`terminated: ${endedId}`)
      return 0
    },
    async heartbeat(runtime, args, out) {
      const row = runtime.sessions.heartbeat(zoneOf(runtime, args), required(args, 'id'))
      out(`agent session ${row.id}: expires_at ${sessionJson(row).expires_at}`)
      return 0
    },
  },
}
