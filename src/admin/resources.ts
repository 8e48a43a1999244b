// Resources of a zone and the scopes each declares. Registering an identifier again replaces
// its scopes (the config does the same at every start), so `created` says which it was; either
// way the registration is audited.
import type { ResourceRow } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { AdminInputError } from './errors.js'
import type { OperatorRequest } from './applications.js'
import type { AdminServices } from './services.js'

/** The STS reads identifiers up to this length (contract §1.2 bounds). */
export const MAX_RESOURCE_IDENTIFIER = 256
export const MAX_SCOPE_LENGTH = 200
export const MAX_SCOPES = 100
/** No whitespace (scopes are space-separated on the wire) and no control characters. */
export const TOKEN_WORD = /^[^\s\u0000-\u001f\u007f]+$/

export async function registerResource(s: AdminServices, zoneId: string, identifier: string, scopes: readonly string[], by: OperatorRequest): Promise<{ resource: ResourceRow; created: boolean }> {
  if (identifier.length > MAX_RESOURCE_IDENTIFIER || !TOKEN_WORD.test(identifier)) throw new AdminInputError(`a resource identifier is 1–${MAX_RESOURCE_IDENTIFIER} characters without whitespace`)
  if (scopes.length === 0 || scopes.length > MAX_SCOPES) throw new AdminInputError(`a resource declares 1–${MAX_SCOPES} scopes`)
  if (scopes.some((scope) => scope.length > MAX_SCOPE_LENGTH || !TOKEN_WORD.test(scope))) throw new AdminInputError(`a scope is 1–${MAX_SCOPE_LENGTH} characters without whitespace`)
  const created = s.store.resources.get(zoneId, identifier) === undefined
  const now = Date.now()
  const resource = s.store.resources.register(zoneId, identifier, scopes, uuid7(now), now)
  await s.audit.record({
    zoneId, eventType: 'resource_registered', requestId: by.requestId, decision: 'allow', evaluationStatus: 'complete',
    metadata: { resource: resource.identifier, scopes: resource.scopes, created, actor: by.actor },
  })
  return { resource, created }
}

export function resourceJson(r: ResourceRow): Record<string, unknown> {
  return { id: r.id, zone_id: r.zoneId, identifier: r.identifier, scopes: r.scopes, created_at: new Date(r.createdAt).toISOString(), updated_at: new Date(r.updatedAt).toISOString() }
}
