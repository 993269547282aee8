import { waitFor } from '@hookline/testing';
import { api, browserSuite, newPage, problemsOf, screenshot } from './hookline';

/**
 * The operator dashboard in a real browser (Debian's Chromium through playwright-core),
 * against Hookline as `npm start` runs it. One process and one browser for the file: the machine
 * has two shared cores.
 */
const suite = browserSuite('browser');

const open = (width?: number) => newPage(suite.browser, width);

test('dashboard: a form error next to its field, create through the form, test event, attempt, replay', async () => {
  const page = await open();
  await page.goto(`${suite.hookline.url}/dashboard/subscriptions/new`);

  // An invalid URL: the API's message appears next to the URL field, not somewhere else.
  await page.getByLabel('Endpoint URL').fill('ftp://example.com/hook');
  await page.getByLabel('* (every event)').check();
  await page.getByRole('button', { name: 'Create subscription' }).click();
  const urlField = page.locator('.field', { has: page.getByLabel('Endpoint URL') });
  await urlField.locator('.field-error').waitFor();
  expect(await urlField.locator('.field-error').textContent()).toMatch(/http/);
  await screenshot(page, 'dashboard-form-error');

  await page.getByLabel('Endpoint URL').fill(`${suite.receiver.url}/hook`);
  await page.getByLabel('Description').fill('browser test');
  await page.getByRole('button', { name: 'Create subscription' }).click();
  await page.waitForURL(/\/dashboard\/subscriptions\/sub_/);
  const subscriptionId = page.url().split('/').pop()!;
  const created = await api<{ url: string; eventTypes: string[] }>(
    suite.hookline.url,
    'GET',
    `/subscription/${subscriptionId}`,
  );
  expect(created).toMatchObject({ url: `${suite.receiver.url}/hook`, eventTypes: ['*'] });

  // The test-event button: one signed hookline.test event for this subscription alone.
  await page.getByRole('button', { name: 'Send test event' }).click();
  await page.getByRole('status').filter({ hasText: 'Test event sent' }).waitFor();
  // The delivery appears in the subscription's delivery list (it refreshes by itself).
  const deliveryLink = page.getByRole('link', { name: /^msg_/ }).first();
  await deliveryLink.waitFor({ timeout: 15_000 });
  const [first] = await suite.receiver.waitFor(1, 15_000);
  expect(JSON.parse(first?.body ?? '{}').type).toBe('hookline.test');
  await deliveryLink.click();
  await page.waitForURL(/\/dashboard\/deliveries\/msg_/);
  const attempts = page.getByTestId('attempt');
  await waitFor(async () => (await attempts.count()) === 1, 15_000, 'the first attempt');
  await expect(attempts.first().textContent()).resolves.toContain('200');
  // What the receiver answered, as stored.
  await expect(attempts.first().textContent()).resolves.toContain('{"ok":true}');
  // The request's headers as sent (the signature is public once sent) and the response's as received.
  const request = attempts.first().getByRole('region', { name: 'Request' });
  await expect(request.textContent()).resolves.toContain('webhook-signature');
  const response = attempts.first().getByRole('region', { name: 'Response' });
  await expect(response.textContent()).resolves.toContain('content-type');
  await screenshot(page, 'dashboard-delivery');

  await page.getByRole('button', { name: 'Replay' }).click();
  await waitFor(async () => (await attempts.count()) === 2, 15_000, 'a second attempt after replay');
  await page.getByRole('heading', { name: 'Replay 1' }).waitFor();
  await suite.receiver.waitFor(2, 15_000);
  // The same webhook-id on the replay.
  expect(suite.receiver.requests[1]?.headers['webhook-id']).toBe(suite.receiver.requests[0]?.headers['webhook-id']);

  await page.goto(`${suite.hookline.url}/dashboard/subscriptions`);
  await page.getByTestId('subscription-row').first().waitFor();
  await screenshot(page, 'dashboard-subscriptions');
  await page.goto(`${suite.hookline.url}/dashboard`);
  await waitFor(async () => Number(await page.getByTestId('attempts').textContent()) >= 2, 10_000, 'overview counts');
  // Queue depths through the RabbitMQ management API (npm test enables it).
  await page.getByRole('cell', { name: /\.deliver$/ }).waitFor();
  await screenshot(page, 'dashboard-overview');
  expect(problemsOf(page)).toEqual([]);
  await page.close();
}, 90_000);

test('dashboard at 390 px: the navigation and the delivery list stay usable', async () => {
  const page = await open(390);
  await page.goto(`${suite.hookline.url}/dashboard/deliveries`);
  await page.getByRole('link', { name: /^msg_/ }).first().waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await screenshot(page, 'dashboard-deliveries-390px');
  await page.close();
}, 30_000);
