// Application secrets: generated once and shown once, stored only as a slow scrypt hash with
// its parameters, compared in constant time. Hashing runs on the libuv pool (async scrypt) so an
// authentication never blocks the event loop for its ~50 ms.
import { randomBytes, scrypt, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto'

const PREFIX = 'cmcs_'
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const
const KEY_BYTES = 32
const SALT_BYTES = 16

function scryptAsync(secret: BinaryLike, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))))
}

const maxmem = (N: number, r: number) => 256 * N * r

/** A new secret: 32 random bytes, base64url, with a recognisable prefix for secret scanners. */
export function generateSecret(): string {
  return PREFIX + randomBytes(32).toString('base64url')
}

/** `scrypt$N$r$p$salt$hash`, salt and hash base64url. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const hash = await scryptAsync(secret, salt, KEY_BYTES, { ...PARAMS, maxmem: maxmem(PARAMS.N, PARAMS.r) })
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

// A stored hash to compare against when the application does not exist, so an unknown id costs
// the same time as a wrong secret.
let decoy: Promise<string> | undefined

/** True only for the right secret. A malformed stored hash never matches. */
export async function verifySecret(secret: string, stored: string | undefined): Promise<boolean> {
  decoy ??= hashSecret(generateSecret())
  const parts = (stored ?? (await decoy)).split('$')
  const [scheme, n, r, p, saltText, hashText] = parts
  const N = Number(n)
  const R = Number(r)
  const P = Number(p)
  if (parts.length !== 6 || scheme !== 'scrypt' || !Number.isSafeInteger(N) || !Number.isSafeInteger(R) || !Number.isSafeInteger(P) || N < 2 || R < 1 || P < 1 || N > 2 ** 20) return false
  const expected = Buffer.from(hashText!, 'base64url')
  if (expected.length !== KEY_BYTES) return false
  const actual = await scryptAsync(secret, Buffer.from(saltText!, 'base64url'), KEY_BYTES, { N, r: R, p: P, maxmem: maxmem(N, R) })
  return timingSafeEqual(actual, expected) && stored !== undefined
}
