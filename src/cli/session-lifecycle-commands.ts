// `caracal-mcp sessions spawn|suspend|resume`: a child of a live session (authority inherit,
// narrow or none, never beyond the parent's), and the reversible suspension of a session with
// its subtree, as an operator through the same audited operations as the admin API.
import { sessionJson, suspendSession } from '../admin/index.js'
import { CliUsageError } from '../errors.js'
import { MAX_HEARTBEAT_SECONDS, MAX_TASK_TTL_SECONDS, MIN_HEARTBEAT_SECONDS, type SpawnAuthority } from '../sessions/index.js'
import { uuid7 } from '../util/uuid7.js'
import { optionValue, optionValues } from './args.js'
import { choiceOption, required, secondsOption, zoneOf, type CommandGroup } from './command-group.js'
import { configFlag } from './command-hints.js'
import { listOption } from './list-option.js'

export const SESSION_LIFECYCLE_COMMANDS: CommandGroup = {
  valued: ['zone', 'application', 'parent', 'authority', 'scopes', 'resources', 'lifecycle', 'ttl', 'heartbeat', 'id', 'reason'],
  repeatable: ['label'],
  commands: {
    async spawn(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const mode = choiceOption(args, 'authority', ['inherit', 'narrow', 'none'] as const) ?? 'inherit'
      const scopes = listOption(args, 'scopes')
      const resources = listOption(args, 'resources')
      if (mode === 'narrow' && (scopes === undefined || resources === undefined)) throw new CliUsageError('--authority narrow needs --scopes and --resources')
      if (mode !== 'narrow' && (scopes !== undefined || resources !== undefined)) throw new CliUsageError('--scopes and --resources go with --authority narrow')
      const authority: SpawnAuthority = mode === 'narrow' ? { mode, scopes: scopes!, resources: resources! } : { mode }
      const labels = optionValues(args, 'label')
      const lifecycle = choiceOption(args, 'lifecycle', ['task', 'service'] as const)
      const ttlSeconds = secondsOption(args, 'ttl', 1, MAX_TASK_TTL_SECONDS)
      const heartbeatSeconds = secondsOption(args, 'heartbeat', MIN_HEARTBEAT_SECONDS, MAX_HEARTBEAT_SECONDS)
      const row = await runtime.sessions.spawn({
        zoneId,
        applicationId: required(args, 'application'),
        parentSessionId: required(args, 'parent'),
        authority,
        ...(lifecycle && { lifecycle }),
        ...(ttlSeconds !== undefined && { ttlSeconds }),
        ...(heartbeatSeconds !== undefined && { heartbeatSeconds }),
        ...(labels.length > 0 && { labels }),
        requestId: uuid7(),
        startedBy: 'cli',
      })
      out(`agent_session_id: ${row.id}`)
      out(`parent_session_id: ${row.parentSessionId}`)
      out(`expires_at: ${sessionJson(row).expires_at}`)
      out(`authority: ${row.authority}${row.authority === 'narrow' ? ` (scopes ${row.authorityScopes!.join(',')}; resources ${row.authorityResources!.join(',')})` : ''}`)
      return 0
    },
    async suspend(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const { session, revokedRecords } = await suspendSession(runtime, zoneId, required(args, 'id'), optionValue(args, 'reason'), uuid7())
      out(`suspended: ${session.id} (${revokedRecords.length} authority record(s) revoked; resume with: caracal-mcp sessions resume --zone ${zoneId} --id ${session.id}${configFlag(optionValue(args, 'config'))})`)
      return 0
    },
    async resume(runtime, args, out) {
      const row = await runtime.sessions.resume(zoneOf(runtime, args), required(args, 'id'), uuid7())
      out(`resumed: ${row.id} (expires_at ${sessionJson(row).expires_at})`)
      return 0
    },
  },
}
