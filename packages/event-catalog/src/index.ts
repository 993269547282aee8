export { BUILT_IN_EVENT_TYPES } from './builtin';
export { CATALOG_CACHE_MS, EventCatalog, type EventTypeEntry, type EventTypeInput } from './catalog';
export { catalogWebhooks } from './openapi';
export { compileEventSchema, eventSchemaProblem, type SchemaViolation } from './schema';
