// The envelope check that replaced the SDK's JSONRPCMessageSchema on the proxy's upstream leg: on
// every message whose payload is valid, it agrees with the SDK about whether it is a message at
// all, and names the kind the SDK's Client would handle it as.
import {
  JSONRPCMessageSchema,
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js'
import { describe, expect, it } from 'vitest'
import { envelopeKind } from '../../../src/proxy/json-rpc-envelope.js'

const ids: unknown[] = ['a', '', 0, 7, -3, 1.5, 2 ** 53, null, true, {}, []]
const methods: unknown[] = ['tools/call', '', 5, null]
const metas: unknown[] = [
  {},
  { progressToken: 'p' },
  { progressToken: 3 },
  { progressToken: 1.5 },
  { progressToken: {} },
  { 'io.modelcontextprotocol/related-task': { taskId: 't' } },
  { 'io.modelcontextprotocol/related-task': { taskId: 4 } },
  { 'io.modelcontextprotocol/related-task': 't' },
  { other: [1] },
  5,
  'x',
  null,
  [],
]
const params: unknown[] = [undefined, {}, { name: 'x', arguments: { a: 1 } }, [], 'p', null, ...metas.map((_meta) => ({ name: 'x', _meta }))]
const results: unknown[] = [{}, { content: [{ type: 'text', text: 'hi' }] }, [], 'r', 3, ...metas.map((_meta) => ({ content: [], _meta }))]
const errors: unknown[] = [{ code: -32601, message: 'no' }, { code: 1.5, message: 'no' }, { code: -1 }, { message: 'no' }, { code: -1, message: 'm', data: [1] }, 'e']

function* messages(): Generator<Record<string, unknown>> {
  for (const jsonrpc of ['2.0', '1.0', undefined]) {
    for (const method of methods) {
      for (const p of params) {
        yield { jsonrpc, method, ...(p !== undefined && { params: p }) }
        for (const id of ids) yield { jsonrpc, id, method, ...(p !== undefined && { params: p }) }
      }
    }
    for (const id of [...ids, undefined]) {
      for (const result of results) yield { jsonrpc, ...(id !== undefined && { id }), result }
      for (const error of errors) yield { jsonrpc, ...(id !== undefined && { id }), error }
      yield { jsonrpc, ...(id !== undefined && { id }), result: {}, error: { code: 1, message: 'both' } }
    }
  }
}

function sdkKind(message: unknown): string | undefined {
  if (isJSONRPCRequest(message)) return 'request'
  if (isJSONRPCNotification(message)) return 'notification'
  if (isJSONRPCResultResponse(message)) return 'result'
  if (isJSONRPCErrorResponse(message)) return 'error'
  return undefined
}

describe('envelopeKind', () => {
  it('agrees with the SDK on every combination of members and types', () => {
    let checked = 0
    for (const base of messages()) {
      for (const message of [base, { ...base, extra: 1 }]) {
        const expected = sdkKind(message)
        expect({ message, kind: envelopeKind(message) }).toEqual({ message, kind: expected })
        expect(envelopeKind(message) !== undefined).toBe(JSONRPCMessageSchema.safeParse(message).success)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(1000)
  })

  it('refuses what is not an object', () => {
    for (const value of [null, undefined, 'x', 1, [], [{ jsonrpc: '2.0', method: 'm' }]]) expect(envelopeKind(value)).toBeUndefined()
  })

  it('leaves the payload to its handler', () => {
    // A result the SDK's Client would refuse as a CallToolResult is still a result message.
    expect(envelopeKind({ jsonrpc: '2.0', id: 1, result: { content: 'not a list' } })).toBe('result')
    expect(envelopeKind({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: { whatever: true } } })).toBe('request')
  })
})
