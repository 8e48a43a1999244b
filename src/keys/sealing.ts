// Private keys at rest: AES-256-GCM under a key from configuration, bound to the zone and kid
// they belong to (as additional authenticated data), so a sealed key copied into another row or
// zone fails to open instead of signing for it.
import { createCipheriv, createDecipheriv, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto'
import { CaracalMcpError } from '../errors.js'

const VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16

/** A sealed key that cannot be opened: wrong sealing key, another row's blob, or corruption. */
export class KeyUnsealError extends CaracalMcpError {
  readonly code = 'ERR_KEY_UNAVAILABLE'
}

function checkSealingKey(sealingKey: Buffer): void {
  if (sealingKey.length !== 32) throw new TypeError('the key-sealing key must be 32 bytes')
}

export function sealPrivateKey(privateKey: KeyObject, sealingKey: Buffer, zoneId: string, kid: string): Buffer {
  checkSealingKey(sealingKey)
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', sealingKey, iv)
  cipher.setAAD(Buffer.from(`${zoneId}|${kid}`))
  const body = Buffer.concat([cipher.update(privateKey.export({ format: 'der', type: 'pkcs8' })), cipher.final()])
  return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()])
}

export function unsealPrivateKey(sealed: Buffer, sealingKey: Buffer, zoneId: string, kid: string): KeyObject {
  checkSealingKey(sealingKey)
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES + 1 || sealed[0] !== VERSION) throw new KeyUnsealError(`signing key ${kid} of zone ${zoneId} is not a sealed key this version reads`)
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey, sealed.subarray(1, 1 + IV_BYTES))
    decipher.setAAD(Buffer.from(`${zoneId}|${kid}`))
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
    const der = Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()])
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } catch (error) {
    throw new KeyUnsealError(`signing key ${kid} of zone ${zoneId} cannot be unsealed (wrong sealing key, or the row was altered)`, { cause: error })
  }
}
