import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { finishDocument } from './openapi-document';

// Adds `.openapi()` to zod schemas; the same schemas validate requests and describe them here, so
// the documentation cannot drift from what the server accepts.
extendZodWithOpenApi(z);

export { OpenAPIRegistry };

/** OpenAPI 3.1 `webhooks` entries that change at run time (the event catalog), by name. */
export type WebhooksSource = () => Promise<Record<string, object>>;

/**
 * `GET /openapi.json` (OpenAPI 3.1) and Swagger UI at `GET /docs`, for every app's registry. The
 * routes are built once; `webhooks` sources are asked on each request of the JSON document.
 */
export function docsRouter(
  registries: readonly OpenAPIRegistry[],
  title: string,
  version: string,
  webhooks: readonly WebhooksSource[] = [],
): Router {
  let document: object | undefined;
  const build = () => {
    document ??= finishDocument(
      new OpenApiGeneratorV31([
        ...securitySchemes().definitions,
        ...registries.flatMap((r) => r.definitions),
      ]).generateDocument({ openapi: '3.1.0', info: { title, version } }) as unknown as Record<string, unknown>,
    );
    return document;
  };
  const router = Router();
  router.get('/openapi.json', async (_req, res) => {
    const document = build();
    if (webhooks.length === 0) {
      res.json(document);
      return;
    }
    const entries = Object.assign({}, ...(await Promise.all(webhooks.map((source) => source()))));
    res.json({ ...document, webhooks: entries });
  });
  router.use('/docs', swaggerUi.serve);
  router.get('/docs', (req, res, next) => swaggerUi.setup(build())(req, res, next));
  return router;
}

/**
 * The bearer schemes every app's routes name. Registered as components rather than passed to
 * generateDocument: the generator replaces the config's `securitySchemes` with the registered ones as
 * soon as any registry registers one (the gateway's JWT), which dropped these.
 */
function securitySchemes(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'one of API_KEYS',
  });
  registry.registerComponent('securitySchemes', 'tenantToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'hlt_<claims>.<signature>',
    description:
      'a tenant token from POST /tenants/{id}/portal: the routes that list it see only that tenant ' +
      "(another tenant's ids answer 404); management-only routes answer 403",
  });
  return registry;
}
