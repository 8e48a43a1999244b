// The binding of a hold (contract §6.6 step 3): a SHA-256 over everything the approver agreed
// to, so that an approval cannot be spent on a different request. Each part is length-prefixed
// and the parts are in a fixed order: no two different requests share an encoding.
import { createHash } from 'node:crypto'

export interface BindingParts {
  resources: readonly string[]
  scopes: readonly string[]
  /** The principal: the subject (`sub`) the mandate would name. */
  principal: string
  authorityRecordId?: string
  agentSessionId?: string
  delegationEdgeId?: string
  applicationId: string
  /** The policy version that asked for the approval (its id covers the contract and the data). */
  policyVersion: string
  contractVersion: string
}

function part(hash: ReturnType<typeof createHash>, label: string, value: string): void {
  const bytes = Buffer.from(value, 'utf8')
  hash.update(`${label}:${bytes.length}:`).update(bytes).update('\u001e')
}

export function approvalBinding(p: BindingParts): string {
  const hash = createHash('sha256')
  hash.update('caracal-mcp/approval-binding/v1\u001e')
  part(hash, 'resources', JSON.stringify([...new Set(p.resources.map((r) => r.toLowerCase()))].sort()))
  part(hash, 'scopes', JSON.stringify([...new Set(p.scopes)].sort()))
  part(hash, 'principal', p.principal)
  part(hash, 'authority_record', p.authorityRecordId ?? '')
  part(hash, 'agent_session', p.agentSessionId ?? '')
  part(hash, 'delegation_edge', p.delegationEdgeId ?? '')
  part(hash, 'application', p.applicationId)
  part(hash, 'policy_version', p.policyVersion)
  part(hash, 'contract_version', p.contractVersion)
  return hash.digest('hex')
}
