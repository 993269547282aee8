type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** The project's one error shape as JSON Schema (packages/contracts `errorBodySchema`). */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['message'],
            properties: { field: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};

/** `post /subscription/{id}/secret/rotate` -> `postSubscriptionIdSecretRotate`. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1));
  return `${method}${words.join('') || 'Root'}`;
}

export interface FinishOptions {
  /** Operations with one of these tags keep their own error shapes (the gateway's Memphis routes). */
  ownErrorShapes?: readonly string[];
}

/**
 * What every generated OpenAPI document gets after generation, whatever each app registered: an
 * `operationId` per operation (client generators need one), the error schema on error responses that
 * describe none, and `servers`. (The security schemes are registered components: openapi.ts.) A pure
 * function, tested alone.
 */
export function finishDocument(doc: Json, options: FinishOptions = {}): Json {
  const own = new Set(options.ownErrorShapes ?? ['gateway']);
  const components = (doc.components ?? {}) as Json;
  const schemas = (components.schemas ?? {}) as Json;
  const used = new Set<string>();
  const paths = (doc.paths ?? {}) as Record<string, Json>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      let id = (op.operationId as string | undefined) ?? operationIdOf(method, path);
      for (let n = 2; used.has(id); n++) id = `${operationIdOf(method, path)}${n}`;
      used.add(id);
      op.operationId = id;
      if ((op.tags as string[] | undefined)?.some((t) => own.has(t))) continue;
      for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
        if (Number(status) >= 400 && response && !response.$ref && !response.content) {
          response.content = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
        }
      }
    }
  }
  return {
    ...doc,
    servers: (doc.servers as unknown[] | undefined) ?? [{ url: '/', description: 'this server' }],
    components: {
      ...components,
      schemas: { Error: ERROR_SCHEMA, ...schemas },
    },
  };
}
