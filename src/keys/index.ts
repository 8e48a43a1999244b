/**
 * @module keys
 * Zone signing keys (ES256) and the JWKS document.
 *
 * Must: select keys by the configured zone, never by anything read from a token; keep a rotated
 * key verifying for 24 h. Must not: expose private keys outside this module and mandate/.
 */
export { KeyRing, ROTATION_GRACE_MS, JWKS_HEADERS, type KeyPersistence, type KeyRingOptions, type VerificationKeys, type JwksDocument } from './key-ring.js'
export { sealedKeyPersistence, type SealedKeyRow, type SealedKeyRows } from './sealed-persistence.js'
export { KeyUnsealError, sealPrivateKey, unsealPrivateKey } from './sealing.js'
export { generateSigningKey, publicJwk, type SigningKey, type PublicJwk } from './signing-key.js'
