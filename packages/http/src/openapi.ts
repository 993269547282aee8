import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';

// Adds `.openapi()` to zod schemas; the same schemas validate requests and describe them here, so
// the documentation cannot drift from what the server accepts.
extendZodWithOpenApi(z);

export { OpenAPIRegistry };

/** `GET /openapi.json` (OpenAPI 3.1) and Swagger UI at `GET /docs`, for every app's registry. */
export function docsRouter(registries: readonly OpenAPIRegistry[], title: string, version: string): Router {
  let document: object | undefined;
  const build = () => {
    document ??= new OpenApiGeneratorV31(registries.flatMap((r) => r.definitions)).generateDocument({
      openapi: '3.1.0',
      info: { title, version },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'one of API_KEYS' },
          tenantToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'hlt_<claims>.<signature>',
            description:
              'a tenant token from POST /tenants/{id}/portal: the routes that list it see only that tenant ' +
              "(another tenant's ids answer 404); management-only routes answer 403",
          },
        },
      },
    } as never);
    return document;
  };
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(build());
  });
  router.use('/docs', swaggerUi.serve);
  router.get('/docs', (req, res, next) => swaggerUi.setup(build())(req, res, next));
  return router;
}
