/** Child processes of the bench: the embedded MongoDB, Hookline as `npm start` runs it, receivers, the floor. */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { sleep } from './clock';

export const ROOT = resolve(__dirname, '..', '..');
const TSX = ['--conditions=hookline-src', '--import', 'tsx'];

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `hookline-bench-${label}-`));
}

function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((r) => p.once('exit', () => r()));
}

/** SIGTERM, then SIGKILL after `graceMs`; only ever the given child's own pid. */
export async function stopChild(p: ChildProcess | undefined, graceMs = 8000): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
  await exited(p);
  clearTimeout(t);
}

export interface Mongo {
  uri: string;
  proc: ChildProcess;
  dir: string;
  stop(): Promise<void>;
}

/** The embedded MongoDB through its CLI, in its own process (its own core share). */
export async function startMongo(nodeArgs: string[] = []): Promise<Mongo> {
  const dir = tempDir('mongo');
  const proc = spawn(
    process.execPath,
    [...nodeArgs, join(ROOT, 'packages/embedded-mongo/bin/hookline-mongo.js'), '--port', '0', '--dbpath', dir],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', openSync(join(dir, 'stderr.log'), 'a')],
    },
  );
  const uri = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: proc.stdout! });
    const t = setTimeout(() => rej(new Error('embedded MongoDB did not print its URI within 30 s')), 30_000);
    rl.once('line', (line) => {
      clearTimeout(t);
      res(line.trim());
    });
    proc.once('exit', (code) => rej(new Error(`embedded MongoDB exited (${code})`)));
  });
  proc.stdout!.resume();
  return {
    uri,
    proc,
    dir,
    async stop() {
      await stopChild(proc, 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Hookline {
  base: string;
  proc: ChildProcess;
  dir: string;
  logTail(): string;
  /** Every JSON log line so far (LOG_LEVEL is warn unless `env` says otherwise). */
  logLines(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** `npm start` as a child: every app in one process. */
export async function startHookline(opts: {
  mongoUri: string;
  namespace: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
}): Promise<Hookline> {
  const dir = tempDir('hookline');
  const port = await freePort();
  const logFile = join(dir, 'hookline.log');
  const out = openSync(logFile, 'a');
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...TSX, 'apps/hookline/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      PORT: String(port),
      MONGO_URL: opts.mongoUri,
      HOOKLINE_NAMESPACE: opts.namespace,
      LOG_LEVEL: 'warn',
      DATA_DIR: join(dir, 'data'),
      ALLOW_PRIVATE_TARGETS: 'true',
      ...opts.env,
    },
  });
  const base = `http://127.0.0.1:${port}`;
  const logTail = () => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '';
    }
  };
  const logLines = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`hookline exited (${proc.exitCode}):\n${logTail()}`);
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stopChild(proc);
      throw new Error(`hookline /readyz not 200 within 60 s:\n${logTail()}`);
    }
    await sleep(200);
  }
  return {
    base,
    proc,
    dir,
    logTail,
    logLines,
    async stop() {
      await stopChild(proc, 12_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A forked TypeScript child speaking a tiny request/response protocol over IPC. */
export class Rpc {
  private next = 1;
  private readonly pending = new Map<number, (m: Record<string, unknown>) => void>();
  readonly ready: Promise<void>;

  constructor(readonly proc: ChildProcess) {
    let markReady: () => void = () => {};
    this.ready = new Promise((r) => {
      markReady = r;
    });
    proc.on('message', (m: Record<string, unknown>) => {
      if (m.id === 0) return markReady();
      const cb = this.pending.get(m.id as number);
      this.pending.delete(m.id as number);
      cb?.(m);
    });
  }

  static fork(script: string): Rpc {
    return new Rpc(
      fork(join(ROOT, 'bench', script), [], {
        cwd: ROOT,
        execArgv: TSX,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
  }

  call<T = Record<string, unknown>>(msg: Record<string, unknown>, timeoutMs = 60_000): Promise<T> {
    const id = this.next++;
    return new Promise((res, rej) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        rej(new Error(`${String(msg.cmd)} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (m) => {
        clearTimeout(t);
        res(m as T);
      });
      this.proc.send({ ...msg, id });
    });
  }

  async stop(): Promise<void> {
    if (this.proc.connected) this.proc.disconnect();
    await stopChild(this.proc, 5000);
  }
}

export type Record_ = [key: string, at: number, ts: string | null];

export class ReceiverProc {
  private constructor(readonly rpc: Rpc) {}
  static async start(): Promise<ReceiverProc> {
    const rpc = Rpc.fork('receiver.ts');
    await rpc.ready;
    return new ReceiverProc(rpc);
  }
  async listen(mode: 'ok' | 'hang' = 'ok'): Promise<string> {
    const { port } = await this.rpc.call<{ port: number }>({ cmd: 'listen', mode });
    return `http://127.0.0.1:${port}`;
  }
  async count(prefix: string): Promise<{ count: number; hung: number }> {
    return this.rpc.call({ cmd: 'count', prefix });
  }
  /** Resolves true once `n` deliveries with this key prefix arrived, false on timeout. */
  async waitFor(prefix: string, n: number, timeoutMs: number): Promise<boolean> {
    try {
      await this.rpc.call({ cmd: 'waitFor', prefix, n }, timeoutMs);
      return true;
    } catch {
      return false;
    }
  }
  async dump(prefix: string): Promise<{ records: Record_[]; hung: number }> {
    return this.rpc.call({ cmd: 'dump', prefix }, 120_000);
  }
  stop(): Promise<void> {
    return this.rpc.stop();
  }
}
