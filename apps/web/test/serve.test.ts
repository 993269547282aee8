import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleApp, createLogger } from '@hookline/http';
import request from 'supertest';
import { contentSecurityPolicy, webModule } from '../serve';

const settings = {
  PORTAL_FRAME_ANCESTORS: "'self' https://app.example.com",
  PORTAL_NAME: 'Acme webhooks',
  PORTAL_ACCENT: '#112233',
};

function builtDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-web-'));
  for (const page of ['dashboard', 'portal']) {
    mkdirSync(join(dir, page));
    writeFileSync(join(dir, page, 'index.html'), `<!doctype html><title>${page}</title>`);
  }
  mkdirSync(join(dir, 'web-assets'));
  writeFileSync(join(dir, 'web-assets', 'app-abc.js'), 'console.log(1)');
  return dir;
}

const app = (dir: string) =>
  assembleApp({ modules: [webModule(settings, dir)], logger: createLogger('test', 'silent'), title: 't' });

describe('serving the web app', () => {
  const dir = builtDir();

  test('the dashboard and its deep links get its page, never frameable, with a CSP without inline scripts', async () => {
    for (const path of ['/dashboard', '/dashboard/deliveries/msg_1']) {
      const res = await request(app(dir)).get(path).expect(200);
      expect(res.text).toContain('<title>dashboard</title>');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).toContain("script-src 'self';");
      expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    }
  });

  test('the portal is embeddable where PORTAL_FRAME_ANCESTORS says', async () => {
    const res = await request(app(dir)).get('/portal/endpoints').expect(200);
    expect(res.text).toContain('<title>portal</title>');
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self' https://app.example.com");
  });

  test('hashed assets are cached for good; an unknown one is a 404 in the error shape', async () => {
    const res = await request(app(dir)).get('/web-assets/app-abc.js').expect(200);
    expect(res.headers['cache-control']).toContain('immutable');
    const missing = await request(app(dir)).get('/web-assets/nope.js').expect(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  test('the portal branding from the environment', async () => {
    const res = await request(app(dir)).get('/portal/branding.json').expect(200);
    expect(res.body).toEqual({ name: 'Acme webhooks', logoUrl: null, accent: '#112233' });
  });

  test('an unbuilt app says how to build it instead of a blank page', async () => {
    const res = await request(app(join(dir, 'nothing')))
      .get('/dashboard')
      .expect(503);
    expect(res.body.error.code).toBe('web_not_built');
  });

  test('the dashboard policy cannot be framed; the portal may load https logos', () => {
    expect(contentSecurityPolicy('dashboard', "'self'")).not.toContain('https:');
    expect(contentSecurityPolicy('portal', "'self'")).toContain('img-src');
  });
});
