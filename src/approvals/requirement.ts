// Merges the approval declarations an allowed mint matched into one requirement (contract §6.6
// step 2): the tier label is the sorted distinct tiers; a specific approver class beats `any`,
// but `operator` and `subject` together cannot be satisfied by one hold; the shortest declared
// TTL wins, else the class default, clamped to the class bounds; privacy is the most protective.
import type { ApprovalDeclaration } from '../policy/index.js'
import type { ApproverClass, PrivacyMode } from '../store/index.js'
import { ApproverConflictError } from './errors.js'

export interface ApprovalRequirement {
  tier: string
  approver: ApproverClass
  privacy: PrivacyMode
  ttlSeconds: number
}

const MINUTE = 60
const SUBJECT_DEFAULT_TTL = 15 * MINUTE
const OPERATOR_DEFAULT_TTL = 4 * 60 * MINUTE
const SUBJECT_MAX_TTL = 24 * 60 * MINUTE
const OPERATOR_MAX_TTL = 7 * 24 * 60 * MINUTE
const PRIVACY_ORDER: PrivacyMode[] = ['identified', 'pseudonymous', 'anonymous']

export function mergeApprovalDeclarations(declarations: readonly ApprovalDeclaration[]): ApprovalRequirement {
  if (declarations.length === 0) throw new TypeError('no approval declaration to merge')
  const tier = [...new Set(declarations.map((d) => d.tier))].sort().join(',')
  const specific = new Set(declarations.map((d) => d.approver).filter((a) => a !== 'any'))
  if (specific.size > 1) throw new ApproverConflictError()
  const approver: ApproverClass = specific.size === 1 ? [...specific][0]! : 'any'
  const declared = declarations.map((d) => d.ttlSeconds).filter((t): t is number => t !== undefined)
  const operatorOnly = approver === 'operator'
  const fallback = operatorOnly ? OPERATOR_DEFAULT_TTL : SUBJECT_DEFAULT_TTL
  const max = operatorOnly ? OPERATOR_MAX_TTL : SUBJECT_MAX_TTL
  const ttl = declared.length > 0 ? Math.min(...declared) : fallback
  const privacy = PRIVACY_ORDER[Math.max(...declarations.map((d) => PRIVACY_ORDER.indexOf(d.privacy)))]!
  return { tier, approver, privacy, ttlSeconds: Math.min(Math.max(ttl, MINUTE), max) }
}
