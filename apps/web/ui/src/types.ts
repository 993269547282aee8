/** The API's shapes as the pages read them (fields that newer Hookline versions add are optional). */
export interface Subscription {
  id: string;
  url: string;
  eventTypes: string[];
  description?: string;
  enabled: boolean;
  disabledReason?: string;
  metadata?: Record<string, string>;
  tenant?: string;
  filter?: unknown;
  transform?: string;
  headers?: Record<string, string>;
  /** Delivery controls: at most this many deliveries a second; one at a time in publish order. */
  rateLimit?: number;
  ordering?: 'fifo';
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Attempt {
  attempt: number;
  round: number;
  at: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  nextAttemptAt: string | null;
  /** As sent and as received, where this Hookline records them. */
  requestHeaders?: Record<string, string>;
  requestBody?: string;
  responseHeaders?: Record<string, string>;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  tenant?: string;
  status: string;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  lastAttemptAt?: string | null;
  nextAttemptAt?: string | null;
  lastStatusCode?: number | null;
  lastError?: string | null;
  rounds?: number;
  event?: unknown;
}

export interface DeliveryWithAttempts extends Delivery {
  attempts_log?: never;
  attempts: number;
}

export interface Tenant {
  id: string;
  name: string;
  metadata?: Record<string, string>;
  createdAt: string;
}

export interface EventType {
  type?: string;
  name?: string;
  description?: string;
  schema?: unknown;
  deprecated?: boolean;
}
