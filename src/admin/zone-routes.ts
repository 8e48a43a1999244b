// Routes for zones and what hangs directly off a zone: the zone list, its resources, and its
// signing-key rotation.
import { z } from 'zod'
import { adminRequestId, operator, param, type AdminRoutes } from './admin-request.js'
import { readBody } from './input.js'
import { MAX_RESOURCE_IDENTIFIER, MAX_SCOPE_LENGTH, MAX_SCOPES, TOKEN_WORD, registerResource, resourceJson } from './resources.js'
import { rotateSigningKey } from './signing-key.js'
import { zoneJson } from './zones.js'

const NEW_RESOURCE = z.strictObject({
  identifier: z.string().min(1).max(MAX_RESOURCE_IDENTIFIER).regex(TOKEN_WORD, 'no whitespace or control characters'),
  scopes: z.array(z.string().min(1).max(MAX_SCOPE_LENGTH).regex(TOKEN_WORD, 'no whitespace or control characters')).min(1).max(MAX_SCOPES),
})
const NO_FIELDS = z.strictObject({})

export const mountZoneRoutes: AdminRoutes = (router, s) => {
  router.get('/zones', function listZones(_req, res) {
    res.json({ zones: s.store.zones.list().map(zoneJson) })
  })

  router.get('/zones/:zoneId/resources', function listResources(req, res) {
    res.json({ resources: s.store.resources.list(param(req, 'zoneId')).map(resourceJson) })
  })

  router.post('/zones/:zoneId/resources', async function registerZoneResource(req, res) {
    const body = readBody(NEW_RESOURCE, req.body)
    const { resource, created } = await registerResource(s, param(req, 'zoneId'), body.identifier, body.scopes, operator(req, res))
    res.status(created ? 201 : 200).json(resourceJson(resource))
  })

  router.post('/zones/:zoneId/signing-key/rotate', async function rotateZoneSigningKey(req, res) {
    readBody(NO_FIELDS, req.body)
    const { kid, previousKid } = await rotateSigningKey(s, param(req, 'zoneId'), adminRequestId(req, res))
    res.json({ kid, previous_kid: previousKid })
  })
}
