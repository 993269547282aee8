import { Router } from 'express';
import request from 'supertest';
import { assembleApp, createLogger, ERROR_TEXT_MAX, HttpError } from '../src';

/** A route that, like the id checks of every app, quotes what it was given in its error. */
function app() {
  const router = Router();
  router.get('/things/:id', (req) => {
    throw new HttpError(400, 'invalid_id', `${req.params.id} is not a thing id`, [
      { field: 'id', message: `"${req.params.id}" is not a thing id` },
    ]);
  });
  return assembleApp({ modules: [{ router }], logger: createLogger('test', 'silent'), title: 'test' });
}

describe('what an error quotes of the request', () => {
  const tenantToken =
    'hlt_eyJ0ZW5hbnQiOiJ0YSIsImVwb2NoIjoxLCJpYXQiOjEsImV4cCI6OTk5OTk5OTk5OTk5OX0.ddtfzzQ4z4gUxvpdLBpeFx0eZJxgLH4jl9NHQig9nnQ';
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VybmFtZSI6ImEifQ.c2lnbmF0dXJlLW9mLXRoZS1nYXRld2F5';

  it.each([
    ['a tenant token', tenantToken],
    ['a gateway JWT', jwt],
    ['a signing secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
  ])('never echoes %s pasted where an id belongs', async (_what, credential) => {
    const res = await request(app()).get(`/things/${credential}`);
    expect(res.status).toBe(400);
    expect(res.text).not.toContain(credential.slice(4, 40));
    expect(res.body.error.message).toBe('[redacted] is not a thing id');
    expect(res.body.error.details[0].message).toBe('"[redacted]" is not a thing id');
  });

  it('quotes at most ERROR_TEXT_MAX characters of a 10 KB id', async () => {
    const res = await request(app()).get(`/things/${'a'.repeat(10_000)}`);
    expect(res.status).toBe(400);
    expect(res.body.error.message.length).toBeLessThanOrEqual(ERROR_TEXT_MAX + 1);
    expect(res.body.error.details[0].message.length).toBeLessThanOrEqual(ERROR_TEXT_MAX + 1);
  });
});
