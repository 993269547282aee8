import type { EventTypeEntry } from './catalog';

/**
 * The catalog as OpenAPI 3.1 `webhooks`: one entry per event type, describing the POST a subscriber
 * receives (the Standard Webhooks payload with the type's schema as `data`; a subscription's
 * transformation changes that shape, which the document cannot know).
 */
export function catalogWebhooks(entries: readonly EventTypeEntry[]): Record<string, object> {
  const out: Record<string, object> = {};
  for (const entry of entries) {
    out[entry.type] = {
      post: {
        summary: entry.description,
        ...(entry.deprecated ? { deprecated: true } : {}),
        parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
          name,
          in: 'header',
          required: true,
          schema: { type: 'string' },
        })),
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['type', 'timestamp', 'data'],
                properties: {
                  type: { const: entry.type },
                  timestamp: { type: 'string', format: 'date-time' },
                  data: entry.schema ?? {},
                },
              },
            },
          },
        },
        responses: { '200': { description: 'any 2xx acknowledges the delivery' } },
      },
    };
  }
  return out;
}
