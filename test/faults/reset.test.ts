import { spawnSync } from 'node:child_process';
import { deleteNamespace, namespaceObjects, RABBITMQ_URL, REPO_ROOT, uniqueNamespace } from '@hookline/testing';
import amqp from 'amqplib';

/** `npm run reset` deletes this namespace's queues and exchanges, and only after a yes. */

const mine = uniqueNamespace('reset');
const other = uniqueNamespace('keep');

beforeAll(async () => {
  const conn = await amqp.connect(RABBITMQ_URL);
  const ch = await conn.createChannel();
  for (const ns of [mine, other]) {
    await ch.assertExchange(`${ns}.events`, 'topic', { durable: true });
    await ch.assertQueue(`${ns}.dead`, { durable: true });
    await ch.assertQueue(`${ns}.retry.5000`, { durable: true });
  }
  await conn.close();
});
afterAll(async () => {
  await deleteNamespace(mine);
  await deleteNamespace(other);
});

const reset = (ns: string, args: string[]) =>
  spawnSync('npm', ['run', '--silent', 'reset', '--', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOOKLINE_NAMESPACE: ns },
    input: '',
    encoding: 'utf8',
    timeout: 60_000,
  });

it('asks first: without a terminal and without --yes it deletes nothing', async () => {
  const r = reset(mine, []);
  expect(r.status).toBe(1);
  expect(r.stdout).toContain(`queue     ${mine}.dead`);
  expect(r.stderr).toContain('--yes');
  expect((await namespaceObjects(mine)).queues.sort()).toEqual([`${mine}.dead`, `${mine}.retry.5000`]);
}, 90_000);

it('with --yes deletes every queue and exchange of HOOKLINE_NAMESPACE and nothing else', async () => {
  const r = reset(mine, ['--yes']);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(`reset: deleted 3 object(s) of ${mine}`);
  expect(await namespaceObjects(mine)).toEqual({ queues: [], exchanges: [] });
  expect((await namespaceObjects(other)).queues).toHaveLength(2);
  expect(reset(mine, ['--yes']).stdout).toContain(`nothing named ${mine}.*`);
}, 90_000);
