// `caracal-mcp sessions start|list|terminate|heartbeat`: agent sessions of a zone, through the
// same audited operations as the admin API (started_by `cli`; terminating ends the subtree).
import { sessionJson, startSession, terminateSession } from '../admin/index.js'
import type { AgentSessionRow } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { optionValue, optionValues } from './args.js'
import { choiceOption, required, secondsOption, zoneOf, type CommandGroup } from './command-group.js'

function summary(row: AgentSessionRow): string {
  const json = sessionJson(row)
  return [row.id, row.status, row.lifecycle, row.applicationId, json.expires_at, row.labels.join(',')].join('\t')
}

export const SESSION_COMMANDS: CommandGroup = {
  valued: ['zone', 'application', 'lifecycle', 'ttl', 'heartbeat', 'status', 'id', 'reason'],
  repeatable: ['label'],
  commands: {
    async start(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const labels = optionValues(args, 'label')
      const lifecycle = choiceOption(args, 'lifecycle', ['task', 'service'] as const)
      const ttlSeconds = secondsOption(args, 'ttl')
      const heartbeatSeconds = secondsOption(args, 'heartbeat')
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
      if (row.lifecycle === 'service') out(`A service session ends unless a heartbeat arrives every ${row.heartbeatSeconds} s: caracal-mcp sessions heartbeat --zone ${zoneId} --id ${row.id}`)
      return 0
    },
    async list(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const applicationId = optionValue(args, 'application')
      const status = choiceOption(args, 'status', ['active', 'suspended', 'terminated'] as const)
      for (const row of runtime.sessions.list({ zoneId, ...(applicationId && { applicationId }), ...(status && { status }) })) out(summary(row))
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
