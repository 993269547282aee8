import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deleteNamespace,
  freePort,
  RABBITMQ_URL,
  REPO_ROOT,
  type Receiver,
  spawnTs,
  startReceiver,
  stopProcess,
  uniqueMongoUrl,
  uniqueNamespace,
  waitFor,
} from '@hookline/testing';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * What the browser tests run against: Hookline exactly as `npm start` runs it (one process, the
 * web app served from it), on a free port with its own RabbitMQ namespace and MongoDB database,
 * and Debian's Chromium driven by playwright-core.
 */
export const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');

/** Debian's Chromium (`apt-get install -y chromium`) or CHROMIUM_PATH; a clear failure without it. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p): p is string => Boolean(p),
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      'Chromium is not installed, so the browser tests cannot run: `apt-get install -y chromium` (Debian), or set ' +
        'CHROMIUM_PATH to a Chromium binary. .ci/run installs it.',
    );
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** Builds the pages (a turbo cache hit after the first time), as `npm start` does. */
export function buildWeb(): void {
  const r = spawnSync('npx', ['turbo', 'run', 'build:ui', '--filter=@hookline/web', '--output-logs=errors-only'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`building the web app failed:\n${r.stdout}\n${r.stderr}`);
}

export interface Hookline {
  url: string;
  stop(): Promise<void>;
}

export async function startHookline(label: string, env: Record<string, string> = {}): Promise<Hookline> {
  const port = await freePort();
  const ns = uniqueNamespace(label);
  const dataDir = mkdtempSync(join(tmpdir(), `hookline-${label}-`));
  const output: string[] = [];
  const child = spawnTs('apps/hookline/src/main.ts', [], {
    PORT: String(port),
    MONGO_URL: uniqueMongoUrl(label),
    RABBITMQ_URL,
    HOOKLINE_NAMESPACE: ns,
    DATA_DIR: dataDir,
    ALLOW_PRIVATE_TARGETS: 'true',
    RETRY_SCHEDULE: '30,60',
    LOG_LEVEL: 'warn',
    ...env,
  });
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`hookline exited:\n${output.join('')}`);
        const res = await fetch(`${url}/readyz`).catch(() => null);
        return res?.status === 200;
      },
      60_000,
      'hookline /readyz',
    );
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return {
    url,
    async stop() {
      await stopProcess(child);
      await deleteNamespace(ns);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A screenshot of the page for the README (docs/screenshots/<name>.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** JSON through the management API (loopback: protected mode serves it without a key). */
export async function api<T>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

const problemsByPage = new WeakMap<Page, string[]>();

/**
 * A page of this width in which a page error (an exception, a CSP refusal) is recorded, so a test can
 * assert that nothing broke silently (`problemsOf`).
 */
export async function newPage(browser: Browser, width = 1280): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 860 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused/.test(m.text())) problems.push(m.text());
  });
  problemsByPage.set(page, problems);
  return page;
}

export const problemsOf = (page: Page): string[] => problemsByPage.get(page) ?? [];

/** What a browser test file works with: one Hookline, one browser, one receiver (two shared cores). */
export interface BrowserSuite {
  hookline: Hookline;
  browser: Browser;
  receiver: Receiver;
}

/**
 * Registers the file's beforeAll/afterAll that build the pages and start the three; read the fields
 * inside tests and later hooks (beforeAll sets them).
 */
export function browserSuite(label: string, env: Record<string, string> = {}): BrowserSuite {
  const suite = {} as BrowserSuite;
  beforeAll(async () => {
    buildWeb();
    [suite.hookline, suite.browser, suite.receiver] = await Promise.all([
      startHookline(label, env),
      launchBrowser(),
      startReceiver(),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([suite.browser?.close(), suite.hookline?.stop(), suite.receiver?.close()]);
  });
  return suite;
}
