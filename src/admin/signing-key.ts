// Signing-key rotation of a zone: a new key signs from now on, the previous one stays published
// (and verifying) for its grace window, and the rotation is audited `key_rotated`.
import type { AdminServices } from './services.js'

export async function rotateSigningKey(s: AdminServices, zoneId: string, requestId: string): Promise<{ kid: string; previousKid: string }> {
  const previous = s.keys.signingKey(zoneId)
  const key = s.keys.rotate(zoneId)
  await s.audit.record({ zoneId, eventType: 'key_rotated', requestId, decision: 'allow', evaluationStatus: 'complete', metadata: { kid: key.kid, previous_kid: previous.kid } })
  return { kid: key.kid, previousKid: previous.kid }
}
