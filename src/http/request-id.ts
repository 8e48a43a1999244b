// The request id every response echoes in X-Request-Id: the caller's, when it is at most 128
// printable ASCII characters, else a fresh UUIDv7 (as Caracal's services do).
import { uuid7 } from '../util/uuid7.js'

const PRINTABLE = /^[\x21-\x7e]{1,128}$/

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && PRINTABLE.test(header) ? header : uuid7()
}
