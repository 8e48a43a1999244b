// What the proxy asks of an upstream's answer to a use before it passes it on: a JSON object; of
// a tool's result also the types of what it reads (`isError`) and what every client reads
// (`content`). Anything else is refused, and the call fails as the upstream's.
import { describe, expect, it } from 'vitest'
import { USES, forwardedResult } from '../../../src/proxy/uses.js'

const valid = (method: keyof typeof USES, result: unknown) => USES[method].result.accepts(result)

describe('results of uses', () => {
  it('passes on what it does not know, as it came', () => {
    const result = { content: [{ type: 'hologram', data: 'from a newer protocol revision' }], structuredContent: { a: 1 }, extra: true }
    expect(valid('tools/call', result)).toBe(true)
    expect(valid('prompts/get', { messages: 'whatever the server says' })).toBe(true)
    expect(valid('resources/subscribe', { extra: 1 })).toBe(true)
  })

  it('refuses a result that is not a JSON object', () => {
    for (const method of Object.keys(USES) as (keyof typeof USES)[]) {
      for (const result of [null, [], 'text', 3, true]) expect(valid(method, result)).toBe(false)
    }
  })

  it('refuses a tool result whose content is not a list or whose isError is not a boolean', () => {
    expect(valid('tools/call', { content: 'text' })).toBe(false)
    expect(valid('tools/call', { content: [], isError: 'true' })).toBe(false)
    expect(valid('tools/call', { content: [], isError: true })).toBe(true)
  })

  it('completes a tool result without content with an empty list, and touches nothing else', () => {
    expect(forwardedResult('tools/call', { structuredContent: { a: 1 } })).toEqual({ structuredContent: { a: 1 }, content: [] })
    const full = { content: [{ type: 'text', text: 'hi' }] }
    expect(forwardedResult('tools/call', full)).toBe(full)
    const prompt = { messages: [] }
    expect(forwardedResult('prompts/get', prompt)).toBe(prompt)
  })
})
