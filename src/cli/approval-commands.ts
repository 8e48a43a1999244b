// `caracal-mcp approvals list|approve|reject`: step-up holds of a zone and the operator's
// decision (decided_by `operator:cli`), through the same audited operation as the admin API.
// `approve <id>` is what the proxy's tool error and the walkthrough print: the hold knows its
// zone, so --zone is optional (and, when given, must be the hold's).
import { APPROVAL_STATES, approvalJson, decideApproval, listApprovals } from '../admin/index.js'
import { ApprovalUnknownError } from '../approvals/index.js'
import { CliUsageError } from '../errors.js'
import type { ApprovalRow } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { optionValue } from './args.js'
import { choiceOption, zoneOf, type CommandGroup, type Handler } from './command-group.js'
import { printTable } from './table.js'

export const CLI_DECIDER = 'operator:cli'

const COLUMNS = ['ID', 'STATE', 'TIER', 'APPROVER', 'APPLICATION', 'SESSION', 'RESOURCES', 'SCOPES', 'EXPIRES_AT']

function summary(row: ApprovalRow, nowMs: number): unknown[] {
  const json = approvalJson(row, nowMs)
  return [row.id, json.state, row.tier, row.approverClass, row.applicationId, row.agentSessionId ?? '-', row.resources.join(' '), row.scopes.join(' '), json.expires_at]
}

function decide(decision: 'approved' | 'rejected'): Handler {
  return async (runtime, args, out) => {
    const id = optionValue(args, 'id')
    if (!id) throw new CliUsageError(`approvals ${decision === 'approved' ? 'approve' : 'reject'} needs the approval id: approvals ${decision === 'approved' ? 'approve' : 'reject'} <id>`)
    let zoneId: string
    if (optionValue(args, 'zone') !== undefined) {
      zoneId = zoneOf(runtime, args)
    } else {
      const held = runtime.approvals.get(id)
      if (!held) throw new ApprovalUnknownError(id)
      zoneId = held.zoneId
    }
    const row = await decideApproval(runtime, { zoneId, id, decision, by: CLI_DECIDER, reason: optionValue(args, 'reason'), requestId: uuid7() })
    out(`approval ${row.id} ${decision} (zone ${row.zoneId}; tier ${row.tier}; ${row.resources.join(' ')} ${row.scopes.join(' ')})`)
    return 0
  }
}

export const APPROVAL_COMMANDS: CommandGroup = {
  valued: ['zone', 'state', 'id', 'reason'],
  positional: { approve: 'id', reject: 'id' },
  commands: {
    async list(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const now = Date.now()
      const rows = listApprovals(runtime, zoneId, choiceOption(args, 'state', APPROVAL_STATES))
      printTable(out, COLUMNS, rows.map((row) => summary(row, now)))
      return 0
    },
    approve: decide('approved'),
    reject: decide('rejected'),
  },
}
