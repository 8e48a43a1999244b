// The names our decision contract (policies/authz) shares with this runtime: entrypoints, input
// schema version and reason codes. policies/README.md describes the contract itself.

export const INPUT_SCHEMA_VERSION = '2026-05-20'

export const ENTRYPOINTS = {
  /** One token exchange against one resource. */
  exchange: 'caracal/authz/result',
  /** One MCP tools/call under a verified resource mandate. */
  toolCall: 'caracal/authz/tool_call',
} as const

export type Entrypoint = (typeof ENTRYPOINTS)[keyof typeof ENTRYPOINTS]

export const REQUIRED_ENTRYPOINTS: readonly Entrypoint[] = [ENTRYPOINTS.exchange, ENTRYPOINTS.toolCall]

export const LIFECYCLE_SCOPE = 'agent:lifecycle'

/** Every reason a deny from our contract can carry, plus the runtime's own. */
export const DENY_REASONS = [
  'restriction_active',
  'input_schema_unsupported',
  'no_rule_matched',
  'malformed_risk_data',
  'malformed_approval_data',
  'malformed_confinement_data',
  'resource_not_granted',
  'delegation_scope_exceeded',
  'confinement_violation',
  'role_scope_mismatch',
  'mandate_target_mismatch',
  'malformed_tool_rules',
  'tool_argument_missing',
  'tool_argument_forbidden',
  'tool_argument_invalid_type',
  'tool_argument_prefix_mismatch',
  'tool_argument_not_allowed',
  'tool_argument_out_of_range',
  'policy_eval_failed',
] as const

/**
 * A reason code. Adopters may compile their own contract, whose reasons we cannot know, so any
 * non-empty string is accepted; the union documents ours.
 */
export type DenyReason = (typeof DENY_REASONS)[number] | (string & {})

export const POLICY_EVAL_FAILED = 'policy_eval_failed'
