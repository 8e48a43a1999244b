// The SSE reader on its own, fed the way sockets cut streams: events with their ids, data lines
// joined, every line ending the spec allows (a CRLF split across chunks is one line end), retry
// delays that are whole milliseconds, comments and unknown fields ignored.
import { describe, expect, it } from 'vitest'
import { EventStreamParser } from '../../../src/proxy/event-stream.js'

function read(chunks: string[]) {
  const events: [string | undefined, string | undefined][] = []
  const retries: number[] = []
  const parser = new EventStreamParser({ event: (data, id) => void events.push([data, id]), retry: (ms) => void retries.push(ms) })
  for (const chunk of chunks) parser.push(chunk)
  return { events, retries }
}

describe('EventStreamParser', () => {
  it('dispatches each event at its blank line, with its data lines joined and its id', () => {
    expect(read([': comment\nid: 1\ndata: a\ndata:b\nevent: message\n\ndata: c\n\nid: 3\n\n']).events).toEqual([
      ['a\nb', '1'],
      ['c', undefined],
      [undefined, '3'],
    ])
  })

  it('takes CRLF, LF and a lone CR as line ends, wherever the chunks are cut', () => {
    const stream = 'id: 1\r\ndata: x\r\n\r\ndata: y\r\rdata: z\n\n'
    const whole = read([stream]).events
    expect(whole).toEqual([['x', '1'], ['y', undefined], ['z', undefined]])
    for (let cut = 1; cut < stream.length; cut++) expect(read([stream.slice(0, cut), stream.slice(cut)]).events).toEqual(whole)
    expect(read([...stream]).events).toEqual(whole)
  })

  it('passes on a retry of whole milliseconds and ignores any other', () => {
    expect(read(['retry: 250\nretry: soon\nretry: -1\nretry: 1.5\nretry:0\n\n']).retries).toEqual([250, 0])
  })

  it('holds an event back until its blank line arrives', () => {
    expect(read(['data: {"a":', '1}\n']).events).toEqual([])
    expect(read(['data: {"a":', '1}\n', '\n']).events).toEqual([['{"a":1}', undefined]])
  })
})
