// Builders of the policy input document: domain objects in, the snake_case shape our Rego
// contract reads out. Field names are Caracal's (schema 2026-05-20); fields that only repeat
// another (principal/resource `type`, `action`, `context.actor_claims`, `context.session_id`,
// `context.agent_session_id`) are not sent, because opa-wasm parses the whole input on every
// evaluation at roughly 0.2 µs per object key (policies/README.md, "Input"). Absent things are
// omitted, never sent as null.
import { INPUT_SCHEMA_VERSION } from './contract.js'

export interface PolicyPrincipal {
  applicationId: string
  zoneId: string
  registrationMethod?: 'managed' | 'dcr'
  /** The governed agent session acting, when there is one. */
  agentSessionId?: string
  lifecycle?: 'task' | 'service'
  /** Session labels; a label naming a role in a grant confers that role. */
  labels?: readonly string[]
}

export interface PolicyResource {
  id: string
  identifier: string
  scopes: readonly string[]
}

export interface PolicyDelegationEdge {
  id: string
  sourceSessionId: string
  targetSessionId: string
  issuerApplicationId: string
  receiverApplicationId: string
  resourceId?: string
  scopes: readonly string[]
  edgeVersion: number
  path: readonly string[]
  graphEpoch: number
  constraints: Record<string, unknown>
}

export interface ExchangeRequest {
  principal: PolicyPrincipal
  resource: PolicyResource
  requestedScopes: readonly string[]
  traceId: string
  /** The authority record the exchange presents (`sid` of the subject token). */
  authorityRecordId?: string
  delegationEdge?: PolicyDelegationEdge
  /** Verified claims of the presented subject token. */
  subjectClaims?: Record<string, unknown>
  /** True on the retry that consumes an approved step-up. */
  challengeResolved?: boolean
}

export interface ToolCallRequest {
  principal: PolicyPrincipal
  resource: PolicyResource
  tool: { server: string; name: string; arguments: Record<string, unknown> }
  /** Verified claims of the resource mandate the call runs under. */
  mandateClaims: Record<string, unknown>
  traceId: string
}

function principalDocument(p: PolicyPrincipal): Record<string, unknown> {
  return {
    id: p.applicationId,
    zone_id: p.zoneId,
    ...(p.registrationMethod && { registration_method: p.registrationMethod }),
    ...(p.agentSessionId && { agent_session_id: p.agentSessionId }),
    ...(p.lifecycle && { lifecycle: p.lifecycle }),
    ...(p.labels && { labels: [...p.labels] }),
  }
}

function resourceDocument(r: PolicyResource): Record<string, unknown> {
  return { id: r.id, identifier: r.identifier, scopes: [...r.scopes] }
}

function edgeDocument(e: PolicyDelegationEdge): Record<string, unknown> {
  return {
    id: e.id,
    source_session_id: e.sourceSessionId,
    target_session_id: e.targetSessionId,
    issuer_application_id: e.issuerApplicationId,
    receiver_application_id: e.receiverApplicationId,
    ...(e.resourceId && { resource_id: e.resourceId }),
    scopes: [...e.scopes],
    edge_version: e.edgeVersion,
    path: [...e.path],
    graph_epoch: e.graphEpoch,
    constraints_json: e.constraints,
  }
}

export function buildExchangeInput(req: ExchangeRequest): Record<string, unknown> {
  return {
    schema_version: INPUT_SCHEMA_VERSION,
    principal: principalDocument(req.principal),
    resource: resourceDocument(req.resource),
    ...(req.authorityRecordId && { session: { id: req.authorityRecordId } }),
    ...(req.delegationEdge && { delegation_edge: edgeDocument(req.delegationEdge) }),
    context: {
      ...(req.subjectClaims && { subject_claims: req.subjectClaims }),
      trace_id: req.traceId,
      ...(req.delegationEdge && { delegation_edge_id: req.delegationEdge.id }),
      challenge_resolved: req.challengeResolved ?? false,
      requested_scopes: [...req.requestedScopes],
    },
  }
}

export function buildToolCallInput(req: ToolCallRequest): Record<string, unknown> {
  return {
    schema_version: INPUT_SCHEMA_VERSION,
    principal: principalDocument(req.principal),
    resource: resourceDocument(req.resource),
    tool: { server: req.tool.server, name: req.tool.name, arguments: req.tool.arguments },
    context: { subject_claims: req.mandateClaims, trace_id: req.traceId },
  }
}
