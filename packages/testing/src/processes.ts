import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The repository root: child processes run from it, as `npm start` and docker-compose do. */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** Every child process spawned in this jest worker: killed on exit whatever happens. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** A TCP port that was free a moment ago (listen on 0, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Spawns `node --conditions=hookline-src --import tsx <script> ...args` from the repository root. */
export function spawnTs(
  script: string,
  args: string[],
  env: Record<string, string>,
  options: { inheritEnv?: boolean } = {},
): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=hookline-src', '--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: { ...(options.inheritEnv === false ? { PATH: process.env.PATH ?? '' } : process.env), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Sends `signal`, then SIGKILL if the process is still there after `graceMs`; resolves once it exited. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
