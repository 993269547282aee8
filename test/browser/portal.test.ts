import { waitFor } from '@hookline/testing';
import type { Page } from 'playwright-core';
import { api, browserSuite, newPage, problemsOf, screenshot } from './hookline';

/**
 * The tenant portal in a real browser: two tenants, A and B, each with its own endpoint; A's portal
 * link must show A's records only, place what it creates in A, and answer B's ids with "not found".
 */
// The receiver's pages (another origin: another port) may frame the portal, as a SaaS's own site would.
const suite = browserSuite('portal', { PORTAL_FRAME_ANCESTORS: "'self' http://127.0.0.1:*" });
const run = Date.now().toString(36);
const A = `acme-${run}`;
const B = `globex-${run}`;
let endpointB: { id: string; url: string };
let deliveryB: string;

interface ListOf<T> {
  data: T[];
}

/** The link an operator hands out (on this test's address: PUBLIC_URL says localhost). */
async function portalLink(tenant: string): Promise<string> {
  const minted = await api<{ token: string; url: string }>(suite.hookline.url, 'POST', `/tenants/${tenant}/portal`, {});
  const link = new URL(minted.url);
  expect(link.pathname + link.hash).toBe(`/portal#token=${minted.token}`);
  return `${suite.hookline.url}${link.pathname}${link.hash}`;
}

beforeAll(async () => {
  // A's portal is branded through its tenant metadata; B keeps the env's branding.
  await api(suite.hookline.url, 'POST', '/tenants', {
    id: A,
    name: 'Acme Inc.',
    metadata: { portalName: 'Acme webhooks', portalAccent: '#0a7d5a' },
  });
  await api(suite.hookline.url, 'POST', '/tenants', { id: B, name: 'Globex' });
  await api(suite.hookline.url, 'POST', '/subscription', {
    tenant: A,
    url: `${suite.receiver.url}/acme-orders`,
    eventTypes: ['*'],
    description: 'orders',
  });
  endpointB = await api(suite.hookline.url, 'POST', '/subscription', {
    tenant: B,
    url: `${suite.receiver.url}/globex-secret-endpoint`,
    eventTypes: ['*'],
  });
  await api(suite.hookline.url, 'POST', '/events', { type: 'browser.portal', data: { n: 1 }, tenant: B });
  const listed = await waitFor(
    async () => (await api<ListOf<{ id: string }>>(suite.hookline.url, 'GET', `/deliveries?tenant=${B}`)).data[0],
    15_000,
    "B's delivery",
  );
  deliveryB = listed.id;
}, 120_000);

/** Opens A's portal link as its user would; the token leaves the address bar at once. */
async function openPortal(width?: number): Promise<Page> {
  const page = await newPage(suite.browser, width);
  page.on('dialog', (d) => void d.accept());
  await page.goto(await portalLink(A));
  await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
  return page;
}

test("A's link: only A's endpoints, its branding, and no token in the address bar or localStorage", async () => {
  const page = await openPortal();
  expect(page.url()).toBe(`${suite.hookline.url}/portal`);
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  await page.getByTestId('subscription-row').first().waitFor();
  const rows = await page.getByTestId('subscription-row').allTextContents();
  expect(rows).toHaveLength(1);
  expect(rows[0]).toContain('/acme-orders');
  expect(await page.content()).not.toContain('globex');
  // The branding arrives in its own response, maybe after the endpoints: wait for it, then read it.
  await page.getByRole('heading', { level: 1, name: 'Acme webhooks' }).waitFor();
  await expect(page.getByTestId('tenant-name').textContent()).resolves.toBe('Acme Inc.');
  const accent = () => page.evaluate(() => document.documentElement.style.getPropertyValue('--accent'));
  await waitFor(async () => (await accent()) === '#0a7d5a', 5_000, 'the tenant accent colour');
  await screenshot(page, 'portal-endpoints');
  // A reload keeps the tab's session (sessionStorage), still without a token in the URL.
  await page.reload();
  await page.getByTestId('subscription-row').first().waitFor();
  expect(problemsOf(page)).toEqual([]);
  await page.close();
}, 60_000);

test('an endpoint created in the portal (keyboard only) belongs to A; edit, disable, secret, test event, delete', async () => {
  const page = await openPortal();
  await page.getByRole('button', { name: 'New endpoint' }).click();
  // A rejected form: the API's message next to the field it names.
  await page.getByLabel('Endpoint URL').fill('ftp://example.com/x');
  await page.getByLabel('* (every event)').focus();
  await page.keyboard.press('Space');
  await page.getByLabel('Endpoint URL').press('Enter');
  const urlField = page.locator('.field', { has: page.getByLabel('Endpoint URL') });
  await urlField.locator('.field-error').waitFor();
  await screenshot(page, 'portal-form-error');

  await page.getByLabel('Endpoint URL').fill(`${suite.receiver.url}/acme-new`);
  await page.getByLabel('Endpoint URL').press('Enter');
  await page.waitForURL(/\/portal\/subscriptions\/sub_/);
  const id = page.url().split('/').pop()!;
  // Through the API with the management key's view: the record is A's.
  const created = await api<{ tenant: string; url: string }>(suite.hookline.url, 'GET', `/subscription/${id}`);
  expect(created).toMatchObject({ tenant: A, url: `${suite.receiver.url}/acme-new` });

  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Description').fill('new orders');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('new orders').waitFor();

  await page.getByRole('button', { name: 'Reveal secret' }).click();
  const secret = page.getByTestId('secret');
  await secret.waitFor();
  const before = await secret.textContent();
  expect(before).toMatch(/^whsec_/);
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  await waitFor(async () => (await secret.textContent()) !== before, 10_000, 'a rotated secret');

  await page.getByRole('button', { name: 'Send test event' }).click();
  const delivery = page.getByRole('link', { name: /^msg_/ }).first();
  await delivery.waitFor({ timeout: 15_000 });
  await waitFor(async () => suite.receiver.requests.some((r) => r.path === '/acme-new'), 15_000, 'the test event');
  await delivery.click();
  await page.waitForURL(/\/portal\/deliveries\/msg_/);
  const attempts = page.getByTestId('attempt');
  await waitFor(async () => (await attempts.count()) === 1, 15_000, 'the first attempt');
  await page.getByRole('button', { name: 'Replay' }).click();
  await waitFor(async () => (await attempts.count()) === 2, 15_000, 'a second attempt after replay');
  await screenshot(page, 'portal-delivery');

  await page.goBack();
  await page.getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('button', { name: 'Enable' }).waitFor();
  const disabled = await api<{ enabled: boolean }>(suite.hookline.url, 'GET', `/subscription/${id}`);
  expect(disabled.enabled).toBe(false);
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(`${suite.hookline.url}/portal/subscriptions`);
  await expect(fetch(`${suite.hookline.url}/subscription/${id}`).then((r) => r.status)).resolves.toBe(404);
  expect(problemsOf(page)).toEqual([]);
  await page.close();
}, 90_000);

test("B's delivery id typed into A's portal shows not found; A's own list holds none of B's", async () => {
  const page = await openPortal();
  await page.getByRole('link', { name: 'Deliveries' }).click();
  await page.getByLabel('Delivery id').fill(deliveryB);
  await page.getByRole('button', { name: 'Open delivery' }).click();
  await page.getByRole('heading', { name: 'Delivery not found' }).waitFor();
  expect(await page.content()).not.toContain(endpointB.id);
  await screenshot(page, 'portal-delivery-not-found');
  // B's endpoint by id: the same answer as an id that does not exist.
  await page.goto(`${suite.hookline.url}/portal/subscriptions/${endpointB.id}`);
  await page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
  await page.goto(`${suite.hookline.url}/portal/deliveries`);
  await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
  await waitFor(async () => !(await page.getByRole('status').count()), 10_000, 'the list loaded');
  expect(await page.getByRole('link', { name: deliveryB }).count()).toBe(0);
  await page.close();
}, 60_000);

test('the event catalog, a lost connection that recovers by itself, and 390 px', async () => {
  const page = await openPortal(390);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(page, 'portal-endpoints-390px');
  await page.getByRole('link', { name: 'Event types' }).click();
  await page.getByRole('heading', { name: 'LIKED_PHOTO' }).waitFor();
  await screenshot(page, 'portal-event-types-390px');

  // The server "goes away": every request fails; the banner says so, then leaves when it answers.
  await page.route('**/*', (route) => route.abort('connectionrefused'));
  await page.getByRole('link', { name: 'Endpoints' }).click();
  const banner = page.getByRole('alert').filter({ hasText: 'Connection to Hookline lost' });
  await banner.waitFor();
  await page.unroute('**/*');
  await banner.waitFor({ state: 'detached', timeout: 10_000 });
  // The page reloads what failed by itself once Hookline answers again.
  await page.getByTestId('subscription-row').first().waitFor();
  await page.close();
}, 60_000);

test('an expired or missing link says so instead of an empty portal', async () => {
  const page = await newPage(suite.browser);
  await page.goto(`${suite.hookline.url}/portal`);
  await page.getByRole('heading', { name: 'No access' }).waitFor();
  await page.close();
  // A fresh tab (a hash change alone would not reload the page).
  const forged = await newPage(suite.browser);
  await forged.goto(`${suite.hookline.url}/portal#token=hlt_bm90LWEtdG9rZW4.AAAA`);
  await forged.getByRole('heading', { name: 'This link has expired or is not valid' }).waitFor();
  expect(forged.url()).toBe(`${suite.hookline.url}/portal`);
  await forged.close();
}, 30_000);

test("embedded in another site's page: the portal where PORTAL_FRAME_ANCESTORS allows, the dashboard never", async () => {
  const link = await portalLink(A);
  suite.receiver.respond((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<!doctype html><title>SaaS settings</title><h1>Your webhooks</h1>` +
        `<iframe name="portal" src="${link}" width="1000" height="600"></iframe>` +
        `<iframe name="dashboard" src="${suite.hookline.url}/dashboard" width="600" height="300"></iframe>`,
    );
  });
  const page = await newPage(suite.browser);
  await page.goto(`${suite.receiver.url}/settings`);
  const portal = page.frameLocator('iframe[name="portal"]');
  await portal.getByRole('heading', { name: 'Acme webhooks' }).waitFor();
  await portal.getByTestId('subscription-row').first().waitFor();
  // The refused frame never runs the dashboard: Chromium shows its "blocked" page in it instead.
  const dashboard = page.frame({ name: 'dashboard' });
  await waitFor(() => dashboard?.url().startsWith('chrome-error://'), 10_000, 'the dashboard frame refused');
  expect(await dashboard?.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
  await screenshot(page, 'portal-embedded');
  await page.close();
}, 30_000);
