// The in-process bus: every subscriber hears every event even when another throws, the failures
// come back together as one AggregateError, unsubscribing works, and a malformed event is refused
// before anyone hears it. It does not prove anything about a Redis bus (there is none yet).
import { describe, expect, it } from 'vitest'
import { InProcessRevocationBus, type RevocationEvent } from '../../../src/revocation/index.js'

const revoked: RevocationEvent = { type: 'anchors_revoked', zoneId: 'zone-1', anchors: ['ar-1', 'sess-1'], reason: 'grant_revoked', expiresAt: 1_790_000_000_000 }
const advanced: RevocationEvent = { type: 'epoch_advanced', zoneId: 'zone-1', epoch: 3 }

describe('InProcessRevocationBus', () => {
  it('delivers each event to every subscriber, in subscription order', () => {
    const bus = new InProcessRevocationBus()
    const heard: string[] = []
    bus.subscribe((e) => heard.push(`a:${e.type}`))
    bus.subscribe((e) => heard.push(`b:${e.type}`))
    bus.publish(revoked)
    bus.publish(advanced)
    expect(heard).toEqual(['a:anchors_revoked', 'b:anchors_revoked', 'a:epoch_advanced', 'b:epoch_advanced'])
  })

  it('keeps delivering when a subscriber throws, then throws one AggregateError with every failure', () => {
    const bus = new InProcessRevocationBus()
    const heard: string[] = []
    const first = new Error('cache down')
    const second = new Error('store full')
    bus.subscribe(() => {
      throw first
    })
    bus.subscribe((e) => heard.push(e.zoneId))
    bus.subscribe(() => {
      throw second
    })
    bus.subscribe((e) => heard.push(e.zoneId))

    let thrown: unknown
    try {
      bus.publish(revoked)
    } catch (error) {
      thrown = error
    }
    expect(heard).toEqual(['zone-1', 'zone-1'])
    expect(thrown).toBeInstanceOf(AggregateError)
    expect((thrown as AggregateError).errors).toEqual([first, second])
    expect((thrown as AggregateError).message).toBe('2 revocation subscriber(s) failed on anchors_revoked for zone zone-1')
  })

  it('stops delivering to an unsubscribed listener; unsubscribing twice is harmless', () => {
    const bus = new InProcessRevocationBus()
    const heard: number[] = []
    const listener = (e: RevocationEvent) => heard.push(e.type === 'epoch_advanced' ? e.epoch : -1)
    const unsubscribe = bus.subscribe(listener)
    bus.publish(advanced)
    unsubscribe()
    unsubscribe()
    bus.publish({ ...advanced, epoch: 4 })
    expect(heard).toEqual([3])
    expect(bus.size).toBe(0)
  })

  it('treats the same function subscribed twice as two subscriptions', () => {
    const bus = new InProcessRevocationBus()
    let calls = 0
    const listener = () => void calls++
    const offFirst = bus.subscribe(listener)
    bus.subscribe(listener)
    offFirst()
    bus.publish(advanced)
    expect(calls).toBe(1)
  })

  it('delivers an event only to those subscribed when it was published', () => {
    const bus = new InProcessRevocationBus()
    const late: RevocationEvent[] = []
    bus.subscribe(() => {
      bus.subscribe((e) => late.push(e))
    })
    bus.publish(advanced)
    expect(late).toEqual([])
  })

  it('hands subscribers a frozen copy, so one cannot change what the next one hears', () => {
    const bus = new InProcessRevocationBus()
    const anchors = ['ar-1']
    const heard: RevocationEvent[] = []
    bus.subscribe((e) => {
      if (e.type === 'anchors_revoked') (e.anchors as string[]).push('forged')
    })
    bus.subscribe((e) => heard.push(e))
    expect(() => bus.publish({ ...revoked, anchors })).toThrow(AggregateError)
    expect(heard).toMatchObject([{ anchors: ['ar-1'] }])
    expect(anchors).toEqual(['ar-1'])
  })

  it.each([
    ['no zone', { ...revoked, zoneId: '' }],
    ['no anchors', { ...revoked, anchors: [] }],
    ['an empty anchor', { ...revoked, anchors: ['ar-1', ''] }],
    ['a NaN expiry', { ...revoked, expiresAt: Number.NaN }],
    ['a negative epoch', { ...advanced, epoch: -1 }],
    ['a fractional epoch', { ...advanced, epoch: 1.5 }],
    ['an unknown type', { type: 'edge_create', zoneId: 'zone-1' }],
  ])('refuses an event with %s before anyone hears it', (_, event) => {
    const bus = new InProcessRevocationBus()
    let calls = 0
    bus.subscribe(() => void calls++)
    expect(() => bus.publish(event as RevocationEvent)).toThrow(TypeError)
    expect(calls).toBe(0)
  })
})
