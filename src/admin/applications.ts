// Applications of a zone: create (the secret is returned once and stored only as a slow hash),
// disable, rotate the secret; each audited with who asked. Disabling also ends the application's
// live sessions, so every mandate bound to one stops verifying at once rather than at its expiry.
// An application of another zone does not exist here.
import { generateSecret, hashSecret } from '../application/index.js'
import { revokeAuthority } from '../authority/index.js'
import { StoreNotFoundError, type ApplicationRow } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { AdminInputError } from './errors.js'
import type { AdminServices } from './services.js'

export const APPLICATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
export const MAX_APPLICATION_NAME = 200
export type RegistrationMethod = ApplicationRow['registrationMethod']

/** Who asked and under which request id, for the audit row. */
export interface OperatorRequest {
  requestId: string
  actor: string
}

async function audited(s: AdminServices, app: ApplicationRow, eventType: 'application_created' | 'application_disabled' | 'application_secret_rotated', by: OperatorRequest): Promise<void> {
  await s.audit.record({
    zoneId: app.zoneId, eventType, requestId: by.requestId, decision: 'allow', evaluationStatus: 'complete',
    metadata: { application_id: app.id, application_name: app.name, application_registration_method: app.registrationMethod, actor: by.actor },
  })
}

export interface NewApplication {
  zoneId: string
  name: string
  id?: string
  registrationMethod?: RegistrationMethod
}

export async function createApplication(s: AdminServices, input: NewApplication, by: OperatorRequest): Promise<{ application: ApplicationRow; clientSecret: string }> {
  const id = input.id ?? uuid7()
  if (!APPLICATION_ID_PATTERN.test(id)) throw new AdminInputError('an application id is 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit')
  if (input.name.trim() === '' || input.name.length > MAX_APPLICATION_NAME) throw new AdminInputError(`an application name is 1–${MAX_APPLICATION_NAME} characters`)
  const clientSecret = generateSecret()
  const now = Date.now()
  const application = s.store.applications.create({
    id, zoneId: input.zoneId, name: input.name, registrationMethod: input.registrationMethod ?? 'managed', secretHash: await hashSecret(clientSecret), status: 'active', createdAt: now, updatedAt: now,
  })
  await audited(s, application, 'application_created', by)
  return { application, clientSecret }
}

/** The application, if it is one of this zone's (any zone's when none is named: the CLI's old form). */
export function zoneApplication(s: AdminServices, zoneId: string | undefined, id: string): ApplicationRow {
  const app = s.store.applications.get(id)
  if (!app || (zoneId !== undefined && app.zoneId !== zoneId)) throw new StoreNotFoundError(zoneId === undefined ? `application ${id} does not exist` : `application ${id} does not exist in zone ${zoneId}`)
  return app
}

export async function disableApplication(s: AdminServices, zoneId: string | undefined, id: string, by: OperatorRequest): Promise<{ application: ApplicationRow; terminatedSessions: string[] }> {
  const app = zoneApplication(s, zoneId, id)
  s.store.applications.setStatus(id, 'disabled', Date.now())
  const application = zoneApplication(s, zoneId, id)
  await audited(s, application, 'application_disabled', by)
  const terminatedSessions: string[] = []
  for (const status of ['active', 'suspended'] as const) {
    for (const session of s.store.agentSessions.list({ zoneId: app.zoneId, applicationId: id, status, limit: 1_000_000 })) {
      if (terminatedSessions.includes(session.id) || s.store.agentSessions.get(session.id)?.status === 'terminated') continue // ended with an ancestor
      const ended = await s.sessions.terminate(app.zoneId, session.id, 'application_disabled', by.requestId)
      terminatedSessions.push(...ended.map((e) => e.id))
    }
  }
  // Its bootstrap mandates and its users' sign-ins stand on records of their own: revoke those too.
  await revokeAuthority(s, { zoneId: app.zoneId, target: { application: id }, reason: 'application_disabled', requestId: by.requestId, actor: by.actor })
  return { application, terminatedSessions }
}

/** A new secret; the previous one stops authenticating at once. */
export async function rotateApplicationSecret(s: AdminServices, zoneId: string | undefined, id: string, by: OperatorRequest): Promise<string> {
  const app = zoneApplication(s, zoneId, id)
  const clientSecret = generateSecret()
  s.store.applications.setSecretHash(id, await hashSecret(clientSecret), Date.now())
  await audited(s, app, 'application_secret_rotated', by)
  return clientSecret
}

/** Never the secret hash. */
export function applicationJson(app: ApplicationRow): Record<string, unknown> {
  return {
    id: app.id,
    zone_id: app.zoneId,
    name: app.name,
    registration_method: app.registrationMethod,
    status: app.status,
    created_at: new Date(app.createdAt).toISOString(),
    updated_at: new Date(app.updatedAt).toISOString(),
  }
}
