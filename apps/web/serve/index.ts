import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { HttpModule } from '@hookline/http';
import express, { type Response, Router } from 'express';
import { type Page, pageHeaders } from './headers';

export { contentSecurityPolicy, pageHeaders } from './headers';

export interface WebSettings {
  PORTAL_FRAME_ANCESTORS: string;
  PORTAL_NAME: string;
  PORTAL_LOGO_URL?: string | undefined;
  PORTAL_ACCENT: string;
}

/** Where `vite build` puts the pages (apps/web/dist/public), from the sources or from dist/. */
export const PUBLIC_DIR = resolve(__dirname, existsSync(resolve(__dirname, 'public')) ? 'public' : '../dist/public');

/**
 * Serves the built web app: /dashboard and /portal (each path below them falls back to the page's
 * index.html, so deep links work), their hashed assets under /web-assets/, and the portal's
 * env branding. The pages are static: every datum comes from the apps' JSON APIs.
 */
export function webModule(settings: WebSettings, publicDir: string = PUBLIC_DIR): HttpModule {
  const router = Router();
  router.use(
    '/web-assets',
    express.static(join(publicDir, 'web-assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
    }),
  );
  router.get('/portal/branding.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json({
      name: settings.PORTAL_NAME,
      logoUrl: settings.PORTAL_LOGO_URL ?? null,
      accent: settings.PORTAL_ACCENT,
    });
  });
  for (const page of ['dashboard', 'portal'] as const) {
    const send = (res: Response) => sendPage(res, publicDir, page, settings.PORTAL_FRAME_ANCESTORS);
    router.get(`/${page}`, (_req, res) => send(res));
    router.get(`/${page}/*rest`, (_req, res) => send(res));
  }
  return { router };
}

function sendPage(res: Response, publicDir: string, page: Page, frameAncestors: string): void {
  const file = join(publicDir, page, 'index.html');
  if (!existsSync(file)) {
    res.status(503).json({
      error: {
        code: 'web_not_built',
        message: 'the web app is not built: run `npm run build:ui -w @hookline/web` (npm start does it)',
      },
    });
    return;
  }
  res.set(pageHeaders(page, frameAncestors));
  res.type('html').sendFile(file);
}
