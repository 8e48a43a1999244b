// Builders of the policy input document (schema 2026-05-20): domain objects in, the snake_case
// wire shape our Rego contract reads out. Absent things are omitted, never sent as null.
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
    type: 'Application',
    id: p.applicationId,
    zone_id: p.zoneId,
    ...(p.registrationMethod && { registration_method: p.registrationMethod }),
    ...(p.agentSessionId && { agent_session_id: p.agentSessionId }),
    ...(p.lifecycle && { lifecycle: p.lifecycle }),
    ...(p.labels && { labels: [...p.labels] }),
  }
}

function resourceDocument(r: PolicyResource): Record<string, unknown> {
  return { type: 'Resource', id: r.id, identifier: r.identifier, scopes: [...r.scopes] }
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
  const { principal } = req
  return {
    schema_version: INPUT_SCHEMA_VERSION,
    principal: principalDocument(principal),
    resource: resourceDocument(req.resource),
    action: { id: 'TokenExchange' },
    ...(req.authorityRecordId && { session: { id: req.authorityRecordId } }),
    ...(req.delegationEdge && { delegation_edge: edgeDocument(req.delegationEdge) }),
    context: {
      actor_claims: { caracal_client_id: principal.applicationId },
      ...(req.subjectClaims && { subject_claims: req.subjectClaims }),
      trace_id: req.traceId,
      ...(req.authorityRecordId && { session_id: req.authorityRecordId }),
      ...(principal.agentSessionId && { agent_session_id: principal.agentSessionId }),
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
    action: { id: 'ToolCall', method: 'tools/call' },
    tool: { server: req.tool.server, name: req.tool.name, arguments: req.tool.arguments },
    context: {
      subject_claims: req.mandateClaims,
      trace_id: req.traceId,
      ...(req.principal.agentSessionId && { agent_session_id: req.principal.agentSessionId }),
    },
  }
}
