import { Router } from 'express';
import request from 'supertest';
import { assembleApp, createLogger, hostnameOf, managementAuth } from '../src';

const logger = createLogger('test', 'silent');

function app(publicHosts: string[] = []) {
  const router = Router();
  const auth = managementAuth([]); // protected mode: loopback clients are trusted, as under npm start
  router.get('/subscription/snapshot', auth, (_req, res) => {
    res.json({ secrets: ['whsec_x'] });
  });
  router.post('/ping', auth, (_req, res) => {
    res.json({ pinged: true });
  });
  router.delete('/thing', auth, (_req, res) => {
    res.status(204).end();
  });
  router.post('/like/:id', (_req, res) => {
    res.status(202).json({});
  });
  return assembleApp({ modules: [{ router }], logger, title: 'test', publicHosts });
}

describe('Host: DNS rebinding', () => {
  it('serves localhost, 127.0.0.1 and [::1] (what supertest and curl send), with or without a port', async () => {
    for (const host of ['localhost:3000', '127.0.0.1', '[::1]:3000', 'LOCALHOST.']) {
      await request(app()).get('/subscription/snapshot').set('Host', host).expect(200);
    }
    await request(app()).get('/subscription/snapshot').expect(200); // supertest's own 127.0.0.1:<port>
  });

  it('answers 421 to a rebound host name, on every route, before reading any secret', async () => {
    for (const path of ['/subscription/snapshot', '/healthz', '/openapi.json']) {
      const res = await request(app()).get(path).set('Host', 'attacker.example:3000').expect(421);
      expect(res.body).toEqual({ error: { code: 'misdirected_request', message: expect.any(String) } });
    }
    await request(app()).get('/healthz').set('Host', '127.0.0.1.attacker.example').expect(421);
  });

  it('serves PUBLIC_HOSTS', async () => {
    await request(app(['hooks.example.com']))
      .get('/healthz')
      .set('Host', 'Hooks.Example.com:443')
      .expect(200);
  });

  it('normalises host names', () => {
    expect(hostnameOf('Example.COM.:80')).toBe('example.com');
    expect(hostnameOf('[::1]:3000')).toBe('[::1]');
  });
});

describe('Origin and content type: cross-site requests', () => {
  it('refuses a state-changing request from a foreign Origin or a cross-site fetch', async () => {
    const res = await request(app())
      .post('/ping')
      .set('Origin', 'https://attacker.example')
      .set('Content-Type', 'application/json')
      .expect(403);
    expect(res.body.error.code).toBe('forbidden_origin');
    await request(app()).delete('/thing').set('Origin', 'null').expect(403);
    await request(app()).post('/like/1').set('Origin', 'https://attacker.example').expect(403);
    await request(app()).post('/like/1').set('Sec-Fetch-Site', 'cross-site').expect(403);
  });

  it('accepts its own origins (any port on an allowed host) and requests without Origin', async () => {
    await request(app()).delete('/thing').set('Origin', 'http://localhost:5173').expect(204);
    await request(app()).post('/ping').set('Content-Type', 'application/json').expect(200);
    await request(app()).get('/subscription/snapshot').set('Origin', 'https://attacker.example').expect(200);
  });

  it('refuses a body-less management POST that is not JSON (a plain HTML form can send it)', async () => {
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      const req = request(app()).post('/ping');
      if (type) req.set('Content-Type', type);
      const res = await req.expect(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
    }
  });
});

describe('logs', () => {
  it('never carry a ?authorization= token of a logged url', () => {
    const lines: string[] = [];
    const logger = createLogger('t', 'info', { write: (line: string) => lines.push(line) });
    logger.info({ url: '/stations/a/produce/single?x=1&authorization=eyJ.abc.def' }, 'hello');
    expect(lines.join('')).not.toContain('eyJ.abc.def');
    expect(lines.join('')).toContain('authorization=[redacted]');
  });
});
