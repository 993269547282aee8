import { Router } from 'express';
import request from 'supertest';
import { z } from 'zod';
import { assembleApp, createLogger, HttpError, jsonBody, managementAuth } from '../src';

const logger = createLogger('test', 'silent');

function app(ready = true) {
  const router = Router();
  router.post('/things', jsonBody, (req, res) => {
    const body = z.object({ name: z.string().max(5), size: z.number() }).parse(req.body);
    res.status(201).json(body);
  });
  router.get('/teapot', () => {
    throw new HttpError(418, 'teapot', 'short and stout');
  });
  router.get('/boom', () => {
    throw new Error('database password is hunter2');
  });
  router.get('/admin', managementAuth(['key-1']), (_req, res) => {
    res.json({ ok: true });
  });
  return assembleApp({ modules: [{ router, checks: { rabbitmq: () => ready } }], logger, title: 'test' });
}

describe('assembleApp', () => {
  it('answers health, readiness and Prometheus metrics', async () => {
    await request(app()).get('/healthz').expect(200, { status: 'ok' });
    await request(app()).get('/readyz').expect(200);
    const notReady = await request(app(false)).get('/readyz').expect(503);
    expect(notReady.body.checks).toEqual({ rabbitmq: 'unavailable' });
    const metrics = await request(app()).get('/metrics').expect(200);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
  });

  it('serves health and docs paths however they are cased or slashed, as express routes match', async () => {
    await request(app()).get('/HealthZ').expect(200, { status: 'ok' });
    await request(app()).get('/healthz/').expect(200, { status: 'ok' });
    await request(app()).get('/readyz/').expect(200);
    expect((await request(app()).get('/OpenAPI.json').expect(200)).body.openapi).toBe('3.1.0');
    await request(app()).get('/docs/').expect(200);
    await request(app()).get('/docs/swagger-ui.css').expect(200);
    await request(app()).get('/docsx').expect(404);
  });

  it('lists every invalid field in the error shape', async () => {
    const res = await request(app()).post('/things').send({ name: 'too long', size: 'big' }).expect(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['name', 'size']);
  });

  it('answers non-JSON, oversized bodies and unknown routes with 4xx in the error shape', async () => {
    const bad = await request(app()).post('/things').set('content-type', 'application/json').send('{nope').expect(400);
    expect(bad.body).toEqual({ error: { code: 'invalid_json', message: 'the request body is not valid JSON' } });
    const notObject = await request(app())
      .post('/things')
      .set('content-type', 'application/json')
      .send('null')
      .expect(400);
    expect(notObject.body.error).toEqual({ code: 'invalid_body', message: 'the request body must be a JSON object' });
    const text = await request(app())
      .post('/things')
      .set('content-type', 'text/plain')
      .send('{"name":"a","size":1}')
      .expect(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    const big = await request(app())
      .post('/things')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(300 * 1024), size: 1 }))
      .expect(413);
    expect(big.body.error.code).toBe('payload_too_large');
    const missing = await request(app()).get('/nope').expect(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('keeps expected errors and hides unexpected ones', async () => {
    await request(app())
      .get('/teapot')
      .expect(418, { error: { code: 'teapot', message: 'short and stout' } });
    const boom = await request(app()).get('/boom').expect(500);
    expect(JSON.stringify(boom.body)).not.toContain('hunter2');
  });

  it('serves OpenAPI 3.1 and Swagger UI', async () => {
    const doc = await request(app()).get('/openapi.json').expect(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics']));
    const ui = await request(app()).get('/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('requires a bearer API key when keys are configured', async () => {
    await request(app()).get('/admin').expect(401);
    await request(app()).get('/admin').set('authorization', 'Bearer wrong').expect(401);
    await request(app()).get('/admin').set('authorization', 'Bearer key-1').expect(200);
  });

  it('protected mode serves loopback clients and refuses others', () => {
    const mw = managementAuth([]);
    const run = (remoteAddress: string) => {
      let status = 0;
      let nextCalled = false;
      const res = {
        status: (s: number) => {
          status = s;
          return { json: () => undefined };
        },
      };
      mw({ socket: { remoteAddress }, headers: {} } as never, res as never, () => {
        nextCalled = true;
      });
      return nextCalled ? 'next' : status;
    };
    expect(run('127.0.0.1')).toBe('next');
    expect(run('::1')).toBe('next');
    expect(run('::ffff:127.0.0.1')).toBe('next');
    expect(run('10.0.0.5')).toBe(403);
  });
});
