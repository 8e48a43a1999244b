// Zones as the admin surfaces see them: the id rule of the config schema, and the lookup every
// zone-scoped operation starts with (an id of the wrong shape names no zone, without a query).
import { StoreNotFoundError, type Store, type ZoneRow } from '../store/index.js'

export const ZONE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function requireZone(store: Store, zoneId: string): ZoneRow {
  const zone = ZONE_ID_PATTERN.test(zoneId) ? store.zones.get(zoneId) : undefined
  if (!zone) throw new StoreNotFoundError(ZONE_ID_PATTERN.test(zoneId) ? `zone ${zoneId} does not exist` : 'no such zone')
  return zone
}

export function zoneJson(zone: ZoneRow): Record<string, unknown> {
  return { id: zone.id, name: zone.name, created_at: new Date(zone.createdAt).toISOString() }
}
