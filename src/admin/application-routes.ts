// Routes for a zone's applications: list, create (the secret appears in that response only),
// disable, rotate the secret. An application of another zone is 404.
import { z } from 'zod'
import { operator, param, type AdminRoutes } from './admin-request.js'
import { APPLICATION_ID_PATTERN, MAX_APPLICATION_NAME, applicationJson, createApplication, disableApplication, rotateApplicationSecret } from './applications.js'
import { readBody } from './input.js'

const NEW_APPLICATION = z.strictObject({
  name: z.string().trim().min(1).max(MAX_APPLICATION_NAME),
  id: z.string().regex(APPLICATION_ID_PATTERN, '1–128 letters, digits, ".", "_" or "-", starting with a letter or digit').optional(),
  registration_method: z.enum(['managed', 'dcr']).optional(),
})
const NO_FIELDS = z.strictObject({})

export const mountApplicationRoutes: AdminRoutes = (router, s) => {
  router.get('/zones/:zoneId/applications', function listApplications(req, res) {
    res.json({ applications: s.store.applications.listByZone(param(req, 'zoneId')).map(applicationJson) })
  })

  router.post('/zones/:zoneId/applications', async function createZoneApplication(req, res) {
    const body = readBody(NEW_APPLICATION, req.body)
    const { application, clientSecret } = await createApplication(s, {
      zoneId: param(req, 'zoneId'),
      name: body.name,
      ...(body.id !== undefined && { id: body.id }),
      ...(body.registration_method !== undefined && { registrationMethod: body.registration_method }),
    }, operator(req, res))
    res.status(201).json({ application_id: application.id, client_secret: clientSecret })
  })

  router.post('/zones/:zoneId/applications/:id/disable', async function disableZoneApplication(req, res) {
    readBody(NO_FIELDS, req.body)
    const { application, terminatedSessions } = await disableApplication(s, param(req, 'zoneId'), param(req, 'id'), operator(req, res))
    res.json({ ...applicationJson(application), terminated_sessions: terminatedSessions })
  })

  router.post('/zones/:zoneId/applications/:id/rotate-secret', async function rotateZoneApplicationSecret(req, res) {
    readBody(NO_FIELDS, req.body)
    res.json({ client_secret: await rotateApplicationSecret(s, param(req, 'zoneId'), param(req, 'id'), operator(req, res)) })
  })
}
