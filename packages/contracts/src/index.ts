export {
  EVENT_TYPE_MAX_LENGTH,
  EVENT_TYPE_PATTERN,
  eventTypeSchema,
  FIRST_PARTY_EVENT_TYPES,
  type FirstPartyEventType,
  isCatalogued,
  isStationEventType,
  STATION_EVENT_PREFIX,
  STATION_NAME_MAX_LENGTH,
  STATION_NAME_PATTERN,
  stationEventType,
  stationNameSchema,
  WILDCARD_EVENT_TYPE,
} from './catalog';
export {
  DELIVERY_STATUSES,
  DELIVERY_TASK_TYPE,
  type DeliveryStatus,
  type DeliveryTask,
  deliveryTaskMessage,
  deliveryTaskSchema,
  readDeliveryTask,
} from './delivery';
export {
  createEnvelope,
  EVENT_ENVELOPE_APP_ID,
  EVENT_ID_PATTERN,
  type EventEnvelope,
  eventEnvelopeSchema,
  newId,
  readEventEnvelope,
  type StationOrigin,
  stationOriginSchema,
  toWebhookPayload,
  type WebhookPayload,
} from './envelope';
export { type ErrorBody, type ErrorDetail, errorBodySchema, errorDetailSchema } from './errors';
export { openChange, sealChange } from './feed-seal';
export {
  CONTROLLED_SUBSCRIPTIONS_MAX,
  ORDERING_SWITCH_DELAY_MS,
  ORDERINGS,
  RATE_LIMIT_MAX,
  RATE_LIMIT_MIN,
  recordTenant,
  SIGNING_SCHEMES,
  type SigningScheme,
  type SubscriptionChange,
  type SubscriptionRecord,
  subscriptionChangeSchema,
  subscriptionRecordSchema,
} from './subscription';
export { DEFAULT_TENANT, TENANT_ID_PATTERN, tenantIdSchema } from './tenant';
