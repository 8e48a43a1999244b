// An edge's constraints (contract §5.1), read strictly: unknown keys are refused, `max_depth` is
// an alias of `max_hops` that must agree with it, and `budget` — which Caracal's STS refuses at
// every mint — is refused here at creation instead of producing an edge nobody can use.
import { z } from 'zod'
import type { EdgeConstraints } from '../store/index.js'
import { DelegationRefusedError } from './errors.js'

export const DEFAULT_MAX_HOPS = 1
export const MAX_HOPS_LIMIT = 10

const schema = z.strictObject({
  resources: z.array(z.string().min(1).max(256)).max(64).optional(),
  max_hops: z.number().int().min(1).max(MAX_HOPS_LIMIT).optional(),
  max_depth: z.number().int().min(1).max(MAX_HOPS_LIMIT).optional(),
  ttl_seconds: z.number().int().min(1).max(86_400).optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
  policy_approved: z.boolean().optional(),
  broad_reason: z.string().min(1).max(256).optional(),
})

export function parseConstraints(raw: unknown): EdgeConstraints {
  if (raw !== undefined && raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'budget' in raw) {
    throw new DelegationRefusedError('invalid_body', 'constraints.budget is not supported (mints under such an edge would all fail)')
  }
  const parsed = schema.safeParse(raw ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new DelegationRefusedError('invalid_body', `constraints${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`)
  }
  const { max_depth, ...rest } = parsed.data
  if (max_depth !== undefined && rest.max_hops !== undefined && max_depth !== rest.max_hops) throw new DelegationRefusedError('invalid_body', 'constraints.max_depth is an alias of max_hops and must equal it')
  const constraints: EdgeConstraints = { ...rest }
  if (max_depth !== undefined && constraints.max_hops === undefined) constraints.max_hops = max_depth
  if (constraints.resources) constraints.resources = [...new Set(constraints.resources)].sort()
  return constraints
}

export const maxHopsOf = (c: EdgeConstraints) => c.max_hops ?? DEFAULT_MAX_HOPS
