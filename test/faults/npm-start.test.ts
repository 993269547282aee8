import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteNamespace, freePort, RABBITMQ_URL, REPO_ROOT, uniqueNamespace, waitFor } from '@hookline/testing';

/** `npm start` as a supervisor sees it: its ready lines, its failures, and SIGTERM sent to npm alone. */

interface Started {
  npm: ChildProcess;
  port: number;
  out: string[];
  err: string[];
  exit: Promise<number | null>;
}

const dirs: string[] = [];
const namespaces: string[] = [];
const running: ChildProcess[] = [];
afterAll(async () => {
  for (const p of running) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const ns of namespaces) await deleteNamespace(ns);
});

async function npmStart(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'hookline-npm-start-'));
  dirs.push(dataDir);
  const ns = uniqueNamespace('npmstart');
  namespaces.push(ns);
  const mongo = new URL(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
  mongo.pathname = `/${ns.replace(/-/g, '_')}`;
  // --ignore-scripts skips prestart (the dashboard build, turbo-cached): the process tree is the same.
  const npm = spawn('npm', ['start', '--ignore-scripts', '--silent'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      MONGO_URL: mongo.toString(),
      RABBITMQ_URL,
      HOOKLINE_NAMESPACE: ns,
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(npm);
  const out: string[] = [];
  const err: string[] = [];
  npm.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  npm.stderr?.on('data', (d: Buffer) => err.push(d.toString()));
  const exit = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
  return { npm, port, out, err, exit };
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

it('SIGTERM to npm alone stops the server it started, which exits 0', async () => {
  const s = await npmStart({});
  await waitFor(() => /^health\s+http/m.test(s.out.join('')) || undefined, 90_000, 'the ready lines');
  expect(await listening(s.port)).toBe(true);
  s.npm.kill('SIGTERM'); // npm only: as `timeout` or a supervisor does
  const code = await Promise.race([s.exit, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
  expect(code).toBe(0);
  await waitFor(async () => !(await listening(s.port)) || undefined, 10_000, 'the port to close');
}, 120_000);

it('a refused RabbitMQ login is one line saying what to do, no ready lines, exit 1', async () => {
  const bad = new URL(RABBITMQ_URL);
  bad.username = 'nobody';
  bad.password = 'wrong';
  const s = await npmStart({ RABBITMQ_URL: bad.toString() });
  const code = await Promise.race([s.exit, new Promise((r) => setTimeout(() => r('still running'), 60_000))]);
  expect(code).toBe(1);
  const err = s.err.join('');
  expect(err).toMatch(/refused the login .* set RABBITMQ_URL=/);
  expect(err).not.toContain('wrong'); // the password never printed
  expect(s.out.join('')).not.toMatch(/^health/m);
}, 90_000);

it('an unreachable RabbitMQ is one line saying what to do, and no ready lines while it lasts', async () => {
  const s = await npmStart({ RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1' });
  await waitFor(() => /not reachable at .* start it/.test(s.err.join('')) || undefined, 60_000, 'the explanation');
  await new Promise((r) => setTimeout(r, 3000)); // a few retries later: still one line, still no banner
  expect(s.err.join('').match(/not reachable/g)).toHaveLength(1);
  expect(s.out.join('')).not.toMatch(/^health/m);
  s.npm.kill('SIGTERM');
  await s.exit;
}, 90_000);
