// Compact JWS with ES256 and nothing else, on node:crypto's synchronous primitives (a quarter of
// jose's cost per operation here, which runs WebCrypto on the thread pool). Parsing is strict:
// exact base64url, a JSON object header with alg ES256 and a kid, no `crit`, a 64-byte
// signature. Callers turn the TypeErrors thrown here into their own coded errors.
import { sign, verify, type KeyObject } from 'node:crypto'

const B64URL = /^[A-Za-z0-9_-]+$/

export interface JwsHeader {
  alg: 'ES256'
  typ?: string
  kid: string
}

export interface ParsedJws {
  header: JwsHeader
  payload: Record<string, unknown>
  signingInput: string
  signature: Buffer
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function decodeSegment(segment: string, what: string): Buffer {
  // Node's decoder skips characters outside the alphabet and ignores spare bits; a token must be
  // the one canonical encoding of its bytes, so that one mandate is one string (caches and
  // fingerprints key on the string).
  if (!B64URL.test(segment) || segment.length % 4 === 1) throw new TypeError(`${what} is not base64url`)
  const bytes = Buffer.from(segment, 'base64url')
  if (bytes.toString('base64url') !== segment) throw new TypeError(`${what} is not canonical base64url`)
  return bytes
}

// P-256 group order. ECDSA accepts (r, s) and (r, n − s) alike; we sign and accept only the low
// half, so a signature cannot be rewritten into a second valid token.
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
const P256_HALF_N = P256_N >> 1n

const P256_HALF_N_BYTES = Buffer.from(P256_HALF_N.toString(16).padStart(64, '0'), 'hex')

/** Big-endian comparison of the 32-byte `s` with n/2, without a BigInt on the common path. */
const isHighS = (signature: Buffer) => Buffer.compare(signature.subarray(32, 64), P256_HALF_N_BYTES) > 0

function lowS(signature: Buffer): Buffer {
  if (!isHighS(signature)) return signature
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`)
  return Buffer.concat([signature.subarray(0, 32), Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex')])
}

// The encoded header of each key id, made once: it is the same bytes for every mandate a key signs.
const encodedHeaders = new Map<string, string>()
function encodedHeader(kid: string): string {
  let header = encodedHeaders.get(kid)
  if (header === undefined) {
    header = encodeJson({ alg: 'ES256', kid, typ: 'JWT' })
    if (encodedHeaders.size >= 1024) encodedHeaders.clear()
    encodedHeaders.set(kid, header)
  }
  return header
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(decodeSegment(segment, what).toString('utf8'))
  } catch (error) {
    throw error instanceof TypeError ? error : new TypeError(`${what} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${what} is not a JSON object`)
  return value as Record<string, unknown>
}

export function signCompactEs256(kid: string, payload: Record<string, unknown>, privateKey: KeyObject): string {
  const signingInput = `${encodedHeader(kid)}.${encodeJson(payload)}`
  const signature = lowS(sign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' }))
  return `${signingInput}.${signature.toString('base64url')}`
}

/** Parses without verifying: the header names the kid the caller looks up in the configured zone. */
export function parseCompactEs256(token: string): ParsedJws {
  const parts = token.split('.')
  if (parts.length !== 3) throw new TypeError('not a compact JWS')
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string]
  const header = decodeJsonObject(headerPart, 'header')
  if (header.alg !== 'ES256') throw new TypeError(`alg ${JSON.stringify(header.alg)} is not accepted`)
  if (typeof header.kid !== 'string' || header.kid === '') throw new TypeError('header has no kid')
  if ('crit' in header) throw new TypeError('header has crit extensions')
  if ('typ' in header && typeof header.typ !== 'string') throw new TypeError('header typ is not a string')
  const signature = decodeSegment(signaturePart, 'signature')
  if (signature.length !== 64) throw new TypeError('signature is not 64 bytes')
  if (isHighS(signature)) throw new TypeError('signature is not in low-S form')
  const payload = decodeJsonObject(payloadPart, 'payload')
  return { header: header as unknown as JwsHeader, payload, signingInput: `${headerPart}.${payloadPart}`, signature }
}

export function verifySignature(jws: ParsedJws, publicKey: KeyObject): boolean {
  return verify('sha256', Buffer.from(jws.signingInput), { key: publicKey, dsaEncoding: 'ieee-p1363' }, jws.signature)
}
