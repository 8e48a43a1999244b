/**
 * @module application
 * Application credentials.
 *
 * Must: store secrets only as slow hashes; compare in constant time; cost the same for an
 * unknown application as for a wrong secret. Must not: log or return a secret after creation.
 */
export { generateSecret, hashSecret, verifySecret } from './secret.js'
