// Authenticates the calling application from zone_id, application_id and client_secret. Every
// failure costs one scrypt comparison (an unknown id included) and counts against the
// application's failure limit; only a proven secret can learn that the zone was wrong.
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
  // Keyed by the application alone (the zone is the caller's word), and counted before the slow
  // comparison so that parallel guesses count too; only a full success takes the attempt back.
  const limiterKey = applicationId ?? ''
  const blocked = deps.failures.blockedFor(limiterKey, nowMs)
  if (blocked > 0) throw new AuthenticationRateLimitedError(Math.ceil(blocked / 1000))
  deps.failures.recordFailure(limiterKey, nowMs)
  const app = applicationId ? deps.applications.get(applicationId) : undefined
  const proven = await verifySecret(clientSecret ?? '', app?.secretHash)
  if (!app || !proven || !zoneId || !clientSecret) throw new ClientAuthenticationError(!app ? 'unknown application' : 'wrong secret or missing zone')
  if (app.zoneId !== zoneId) throw new ClientZoneError()
  deps.failures.forgive(limiterKey, nowMs)
  if (app.status !== 'active') throw new ClientAuthenticationError('application disabled')
  return app
}
