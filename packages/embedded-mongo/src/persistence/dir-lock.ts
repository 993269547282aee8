import fs from 'node:fs';
import path from 'node:path';

/** The data directory's lock: the pid of the server using it. */
const LOCK_FILE = 'hookline-mongo.lock';

/**
 * Whether `pid` is a running process. A process killed while its parent does not reap it (a late init,
 * a container without one) stays a zombie: it exists for kill(pid, 0) but holds nothing, so where
 * /proc tells the state, a zombie (Z) or dead (X) process counts as gone.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // The state follows the parenthesised name, which may itself contain spaces or parentheses.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): the pid exists, trust it
  }
}

/**
 * Claims `dir` for this process, as mongod's `mongod.lock` does: two servers appending to one log
 * would interleave their records. A lock left by a killed server names a dead pid and is taken over.
 */
export function lockDirectory(dir: string): void {
  const lockFile = path.join(dir, LOCK_FILE);
  if (fs.existsSync(lockFile)) {
    const pid = Number(fs.readFileSync(lockFile, 'utf8').trim());
    // Only a live holder is a conflict.
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(`dbpath ${dir} is in use by process ${pid}`);
    }
  }
  fs.writeFileSync(lockFile, String(process.pid));
}

export function unlockDirectory(dir: string): void {
  fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
}
