import { type Receiver, startReceiver, waitFor } from '@hookline/testing';
import type { Browser, Page } from 'playwright-core';
import { api, buildWeb, type Hookline, launchBrowser, screenshot, startHookline } from '../hookline';

/**
 * The dashboard and the portal in a real browser (Debian's Chromium through playwright-core),
 * against Hookline as `npm start` runs it. One process and one browser for the file: the machine
 * has two shared cores.
 */
let hookline: Hookline;
let browser: Browser;
let receiver: Receiver;

beforeAll(async () => {
  buildWeb();
  [hookline, browser, receiver] = await Promise.all([startHookline('browser'), launchBrowser(), startReceiver()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([browser?.close(), hookline?.stop(), receiver?.close()]);
});

async function newPage(width = 1280): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 860 } });
  // A page error (an exception, a CSP refusal) fails the test: nothing may break silently.
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused/.test(m.text())) problems.push(m.text());
  });
  (page as Page & { problems: string[] }).problems = problems;
  return page;
}
const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;

test('dashboard: a form error next to its field, create through the form, test event, attempt, replay', async () => {
  const page = await newPage();
  await page.goto(`${hookline.url}/dashboard/subscriptions/new`);

  // An invalid URL: the API's message appears next to the URL field, not somewhere else.
  await page.getByLabel('Endpoint URL').fill('ftp://example.com/hook');
  await page.getByLabel('* (every event)').check();
  await page.getByRole('button', { name: 'Create subscription' }).click();
  const urlField = page.locator('.field', { has: page.getByLabel('Endpoint URL') });
  await urlField.locator('.field-error').waitFor();
  expect(await urlField.locator('.field-error').textContent()).toMatch(/http/);
  await screenshot(page, 'dashboard-form-error');

  await page.getByLabel('Endpoint URL').fill(`${receiver.url}/hook`);
  await page.getByLabel('Description').fill('browser test');
  await page.getByRole('button', { name: 'Create subscription' }).click();
  await page.waitForURL(/\/dashboard\/subscriptions\/sub_/);
  const subscriptionId = page.url().split('/').pop()!;
  const created = await api<{ url: string; eventTypes: string[] }>(
    hookline.url,
    'GET',
    `/subscription/${subscriptionId}`,
  );
  expect(created).toMatchObject({ url: `${receiver.url}/hook`, eventTypes: ['*'] });

  // TODO(tenants): the "Send test event" button (POST /subscription/:id/test) once issue 14 is on main.
  await api(hookline.url, 'POST', '/events', { type: 'browser.checked', data: { n: 1 } });
  // The delivery appears in the subscription's delivery list (it refreshes by itself).
  const deliveryLink = page.getByRole('link', { name: /^msg_/ }).first();
  await deliveryLink.waitFor({ timeout: 15_000 });
  await receiver.waitFor(1, 15_000);
  await deliveryLink.click();
  await page.waitForURL(/\/dashboard\/deliveries\/msg_/);
  const attempts = page.getByTestId('attempt');
  await waitFor(async () => (await attempts.count()) === 1, 15_000, 'the first attempt');
  await expect(attempts.first().textContent()).resolves.toContain('200');
  // What the receiver answered, as stored.
  await expect(attempts.first().textContent()).resolves.toContain('{"ok":true}');
  await screenshot(page, 'dashboard-delivery');

  await page.getByRole('button', { name: 'Replay' }).click();
  await waitFor(async () => (await attempts.count()) === 2, 15_000, 'a second attempt after replay');
  await page.getByRole('heading', { name: 'Replay 1' }).waitFor();
  await receiver.waitFor(2, 15_000);
  // The same webhook-id on the replay.
  expect(receiver.requests[1]?.headers['webhook-id']).toBe(receiver.requests[0]?.headers['webhook-id']);

  await page.goto(`${hookline.url}/dashboard/subscriptions`);
  await page.getByTestId('subscription-row').first().waitFor();
  await screenshot(page, 'dashboard-subscriptions');
  await page.goto(`${hookline.url}/dashboard`);
  await waitFor(async () => Number(await page.getByTestId('attempts').textContent()) >= 2, 10_000, 'overview counts');
  // Queue depths through the RabbitMQ management API (npm test enables it).
  await page.getByRole('cell', { name: /\.deliver$/ }).waitFor();
  await screenshot(page, 'dashboard-overview');
  expect(problemsOf(page)).toEqual([]);
  await page.close();
}, 90_000);

test('dashboard at 390 px: the navigation and the delivery list stay usable', async () => {
  const page = await newPage(390);
  await page.goto(`${hookline.url}/dashboard/deliveries`);
  await page.getByRole('link', { name: /^msg_/ }).first().waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await screenshot(page, 'dashboard-deliveries-390px');
  await page.close();
}, 30_000);
