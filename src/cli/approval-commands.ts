// `caracal-mcp approvals list|approve|reject`: step-up holds of a zone and the operator's
// decision (decided_by `operator:cli`), through the same audited operation as the admin API.
import { APPROVAL_STATES, approvalJson, decideApproval, listApprovals } from '../admin/index.js'
import type { ApprovalRow } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { optionValue } from './args.js'
import { choiceOption, required, zoneOf, type CommandGroup, type Handler } from './command-group.js'

export const CLI_DECIDER = 'operator:cli'

function summary(row: ApprovalRow, nowMs: number): string {
  const json = approvalJson(row, nowMs)
  return [row.id, json.state, row.tier, row.approverClass, row.applicationId, row.agentSessionId ?? '-', row.resources.join(' '), row.scopes.join(' '), json.expires_at].join('\t')
}

function decide(decision: 'approved' | 'rejected'): Handler {
  return async (runtime, args, out) => {
    const zoneId = zoneOf(runtime, args)
    const row = await decideApproval(runtime, { zoneId, id: required(args, 'id'), decision, by: CLI_DECIDER, reason: optionValue(args, 'reason'), requestId: uuid7() })
    out(`approval ${row.id} ${decision} (tier ${row.tier}; ${row.resources.join(' ')} ${row.scopes.join(' ')})`)
    return 0
  }
}

export const APPROVAL_COMMANDS: CommandGroup = {
  valued: ['zone', 'state', 'id', 'reason'],
  commands: {
    async list(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const now = Date.now()
      for (const row of listApprovals(runtime, zoneId, choiceOption(args, 'state', APPROVAL_STATES))) out(summary(row, now))
      return 0
    },
    approve: decide('approved'),
    reject: decide('rejected'),
  },
}
