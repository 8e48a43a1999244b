// Authenticates the calling application from zone_id, application_id and client_secret. Every
// failure costs one scrypt comparison (an unknown id included) and counts against the
// application's failure limit (see AuthFailureLimiter.admit); only a proven secret can learn that
// the zone was wrong.
import { verifySecret } from '../application/index.js'
import type { ApplicationRow, ApplicationRepository } from '../store/index.js'
import { type AuthFailureLimiter } from './auth-failures.js'
import { AuthenticationRateLimitedError, ClientAuthenticationError, ClientZoneError } from './errors.js'

export interface ClientCredentials {
  zoneId?: string
  applicationId?: string
  clientSecret?: string
}

export async function authenticateApplication(
  credentials: ClientCredentials,
  deps: { applications: ApplicationRepository; failures: AuthFailureLimiter },
  nowMs: number,
): Promise<ApplicationRow> {
  const { zoneId, applicationId, clientSecret } = credentials
  // Keyed by the application alone (the zone is the caller's word); attempts being checked count
  // against the limit, so that parallel guesses cannot outrun it.
  const limiterKey = applicationId ?? ''
  const wait = deps.failures.admit(limiterKey, nowMs)
  if (wait > 0) throw new AuthenticationRateLimitedError(Math.ceil(wait / 1000))
  let app: ApplicationRow | undefined
  let proven = false
  try {
    app = applicationId ? deps.applications.get(applicationId) : undefined
    proven = (await verifySecret(clientSecret ?? '', app?.secretHash)) && app !== undefined && zoneId !== undefined && zoneId !== '' && clientSecret !== undefined && clientSecret !== ''
  } finally {
    // A secret proven for another zone counts as a failure: it was not presented where it belongs.
    deps.failures.settle(limiterKey, nowMs, !proven || app?.zoneId !== zoneId)
  }
  if (!app || !proven) throw new ClientAuthenticationError(!app ? 'unknown application' : 'wrong secret or missing zone')
  if (app.zoneId !== zoneId) throw new ClientZoneError()
  if (app.status !== 'active') throw new ClientAuthenticationError('application disabled')
  return app
}
