// A session's subscriptions are bounded in number and URI length; re-subscribing to a URI it
// holds is never refused.
import { expect, it } from 'vitest'
import { MAX_SUBSCRIBED_URI_LENGTH, MAX_SUBSCRIPTIONS_PER_SESSION, subscriptionRefusal } from '../../../src/proxy/subscriptions.js'

it('refuses a subscription beyond the count or the URI length, and never one already held', () => {
  const held = new Map<string, unknown>()
  for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_SESSION - 1; i++) held.set(`file:///srv/public/${i}`, {})
  expect(subscriptionRefusal(held, 'file:///srv/public/new')).toBeUndefined()
  held.set('file:///srv/public/last', {})
  expect(subscriptionRefusal(held, 'file:///srv/public/new')).toMatch(/at most 256 subscriptions/)
  expect(subscriptionRefusal(held, 'file:///srv/public/3')).toBeUndefined()
  expect(subscriptionRefusal(new Map(), `file:///${'a'.repeat(MAX_SUBSCRIBED_URI_LENGTH)}`)).toMatch(/at most 4096 characters/)
  expect(subscriptionRefusal(new Map(), `file:///${'a'.repeat(MAX_SUBSCRIBED_URI_LENGTH - 8)}`)).toBeUndefined()
})
