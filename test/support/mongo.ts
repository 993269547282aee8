import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, stopProcess } from '@hookline/testing';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/**
 * A dedicated embedded MongoDB through its CLI (`hookline-mongo --port <p> --dbpath <dir>`), so a
 * test can kill and restart it on the same port with the same data.
 */
export class MongoProcess {
  private child?: ChildProcess;
  output = '';

  constructor(
    readonly port: number,
    readonly dbPath: string,
  ) {}

  get uri(): string {
    return `mongodb://127.0.0.1:${this.port}`;
  }

  /** Starts it and resolves once it printed its URI (its first stdout line). */
  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'packages/embedded-mongo/bin/hookline-mongo.js'),
        '--port',
        String(this.port),
        '--dbpath',
        this.dbPath,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    live.add(child);
    child.once('exit', () => live.delete(child));
    this.child = child;
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`hookline-mongo did not start in ${timeoutMs} ms\n${this.output}`)),
        timeoutMs,
      );
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        this.output += d.toString();
        if (stdout.includes('\n')) {
          clearTimeout(timer);
          const first = stdout.split('\n')[0];
          if (first === this.uri) resolve();
          else reject(new Error(`hookline-mongo printed ${first}, expected ${this.uri}`));
        }
      });
      child.stderr?.on('data', (d: Buffer) => {
        this.output += d.toString();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`hookline-mongo exited with ${code}\n${this.output}`));
      });
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child) await stopProcess(this.child, signal);
  }
}
