/**
 * Crash points for the kill -9 tests of the outbox: `HOOKLINE_FAILPOINT=<name>` makes the process kill
 * itself with SIGKILL when it reaches that point, which is the only way to place a kill -9 exactly
 * between two writes. Unset (always, outside those tests) it is one string comparison.
 */
const armed = process.env.HOOKLINE_FAILPOINT;

export type FailpointName = 'outbox.written' | 'outbox.published' | 'outbox.marked';

export function failpoint(name: FailpointName): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
