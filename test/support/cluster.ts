import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deleteNamespace,
  freePort,
  RABBITMQ_URL,
  sleep,
  spawnTs,
  stopProcess,
  uniqueNamespace,
  waitFor,
} from '@hookline/testing';

/**
 * A Hookline deployment for one test file: every app as its own child process, as docker-compose
 * runs them (`node --conditions=hookline-src --import tsx apps/<app>/src/main.ts`), sharing one
 * MongoDB database and one RabbitMQ namespace that no other test uses.
 */

export const APPS = ['subscriptions', 'dispatcher', 'photo-app', 'gateway'] as const;
export type AppName = (typeof APPS)[number];

export const GATEWAY_USER = 'root';
export const GATEWAY_PASSWORD = 'memphis-pass';

/** Keeps the last `max` lines a child printed, for failure messages. */
class LogTail {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 300) {}
  push(prefix: string, chunk: Buffer): void {
    const text = this.partial + chunk.toString('utf8');
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) {
      this.lines.push(`${prefix}${p}`);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }
  text(n = 60): string {
    return this.lines.slice(-n).join('\n');
  }
  all(): string[] {
    return this.lines.slice();
  }
}

export interface ClusterOptions {
  label: string;
  /** Apps to run (default all four). */
  apps?: readonly AppName[];
  /** Extra variables for every app (override the defaults below). */
  env?: Record<string, string>;
  /** MongoDB server URL without a database (default: MONGO_URL set by `npm test`). */
  mongoServer?: string;
}

export class Cluster {
  readonly ns: string;
  readonly dbName: string;
  readonly dataDir: string;
  readonly apps: readonly AppName[];
  readonly ports = {} as Record<AppName, number>;
  private readonly procs = new Map<AppName, ChildProcess>();
  private readonly tails = new Map<AppName, LogTail>();
  private readonly baseEnv: Record<string, string>;

  private constructor(options: ClusterOptions, mongoServer: string) {
    this.ns = uniqueNamespace(options.label);
    this.dbName = `e2e_${this.ns.replace(/[^a-z0-9]/g, '_')}`.slice(0, 60);
    this.dataDir = mkdtempSync(join(tmpdir(), `hookline-${options.label}-`));
    this.apps = options.apps ?? APPS;
    const mongo = new URL(mongoServer);
    mongo.pathname = `/${this.dbName}`;
    this.baseEnv = {
      MONGO_URL: mongo.toString(),
      RABBITMQ_URL,
      HOOKLINE_NAMESPACE: this.ns,
      ALLOW_PRIVATE_TARGETS: 'true',
      RETRY_SCHEDULE: '0.5,1,1,2',
      LOG_LEVEL: 'warn',
      DATA_DIR: this.dataDir,
      GATEWAY_USERS: `${GATEWAY_USER}:${GATEWAY_PASSWORD}`,
      DELIVERY_TIMEOUT_MS: '3000',
      NODE_ENV: 'test',
      ...options.env,
    };
  }

  /** Starts every app (ports chosen once, kept across restarts) and waits for each `/readyz`. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const server = options.mongoServer ?? process.env.MONGO_URL;
    if (!server) throw new Error('MONGO_URL is not set: run the tests with `npm test` at the repository root');
    const c = new Cluster(options, server);
    for (const app of c.apps) c.ports[app] = await freePort();
    try {
      await Promise.all(c.apps.map((app) => c.startApp(app)));
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  url(app: AppName): string {
    return `http://127.0.0.1:${this.ports[app]}`;
  }

  pid(app: AppName): number | undefined {
    return this.procs.get(app)?.pid;
  }

  env(app: AppName): Record<string, string> {
    const env: Record<string, string> = { ...this.baseEnv, PORT: String(this.ports[app]) };
    if (app === 'dispatcher' && this.ports.subscriptions) env.SUBSCRIPTIONS_URL = this.url('subscriptions');
    return env;
  }

  /**
   * Spawns the app and waits until its `/readyz` answers 200 (the dispatcher's includes its worker).
   * `env` adds variables for this start only (e.g. a failpoint).
   */
  async startApp(app: AppName, readyTimeoutMs = 60_000, env: Record<string, string> = {}): Promise<void> {
    const tail = this.tails.get(app) ?? new LogTail();
    this.tails.set(app, tail);
    const child = spawnTs(`apps/${app}/src/main.ts`, [], { ...this.env(app), ...env });
    child.stdout?.on('data', (d: Buffer) => tail.push('', d));
    child.stderr?.on('data', (d: Buffer) => tail.push('! ', d));
    child.once('exit', (code, signal) =>
      tail.push('', Buffer.from(`[${app} exited: code ${code}, signal ${signal}]\n`)),
    );
    this.procs.set(app, child);
    await this.waitReady(app, readyTimeoutMs);
  }

  /** Polls `/readyz` until 200; fails early (with the app's output) if the process exits. */
  async waitReady(app: AppName, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const child = this.procs.get(app);
      if (!child || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${app} is not running\n${this.logs(app)}`);
      last = await readyz(this.url(app));
      if (last === '200') return;
      await sleep(100);
    }
    throw new Error(`${app} not ready after ${timeoutMs} ms (last /readyz: ${last})\n${this.logs(app)}`);
  }

  /**
   * Waits until the dispatcher's index has (with `known` false: no longer has) the subscription: a
   * change reaches it through RabbitMQ after the subscription's route answered, so an event published
   * at once could be matched before it. Asked through recovery, which answers 404 for a subscription
   * the index lacks; recovering the failures since the year 2999 re-queues nothing.
   */
  async untilDispatcherKnows(subscriptionId: string, known = true): Promise<void> {
    const url = `${this.url('dispatcher')}/subscription/${subscriptionId}/recover`;
    await waitFor(
      async () => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ since: '2999-01-01T00:00:00Z' }),
        });
        return (res.status === 202) === known;
      },
      10_000,
      `the dispatcher ${known ? 'knowing' : 'forgetting'} subscription ${subscriptionId}`,
    );
  }

  /** Current `/readyz` status of every app, e.g. `{dispatcher: '200', ...}`. */
  async readiness(): Promise<Record<string, string>> {
    const entries = await Promise.all(this.apps.map(async (a) => [a, await readyz(this.url(a))] as const));
    return Object.fromEntries(entries);
  }

  /** Kills the app's process with `signal` (SIGKILL = kill -9) and waits until it is gone. */
  async kill(app: AppName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.procs.get(app);
    if (child) await stopProcess(child, signal);
  }

  /** Stops the app (SIGTERM, SIGKILL after 5 s) and starts it again on the same port. */
  async restart(app: AppName): Promise<void> {
    await this.kill(app, 'SIGTERM');
    await this.startApp(app);
  }

  /** The last lines the app printed (stderr lines start with "! "). */
  logs(app: AppName, n = 60): string {
    return `--- ${app} output ---\n${this.tails.get(app)?.text(n) ?? '(none)'}`;
  }

  allLogs(n = 40): string {
    return this.apps.map((a) => this.logs(a, n)).join('\n');
  }

  /** Kills every process (SIGTERM, SIGKILL after 5 s), deletes the namespace and the data dir. */
  async stop(): Promise<void> {
    await Promise.all([...this.procs.values()].map((c) => stopProcess(c, 'SIGTERM')));
    await deleteNamespace(this.ns);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

async function readyz(base: string): Promise<string> {
  try {
    const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return String(res.status);
  } catch (err) {
    return (err as Error).name === 'TimeoutError' ? 'timeout' : 'down';
  }
}

/** A short random suffix for names (users, stations) that must not collide between runs. */
export function suffix(): string {
  return randomBytes(3).toString('hex');
}
