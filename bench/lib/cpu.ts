/**
 * CPU time by process over a timed window, per 1,000 deliveries: far less sensitive to a shared
 * machine's load than deliveries/s (a busy neighbour slows a process down, it does not make it
 * spend more CPU per message). Read from /proc (Linux): utime + stime, in clock ticks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { RABBITMQ_URL } from '@hookline/testing';
import { managementGet } from './management';

const TICK_MS = 10; // USER_HZ 100

/** The processes a scenario's CPU is split into (the table's columns). */
export const CPU_ROLES = ['hookline', 'mongo', 'rabbit', 'receiver', 'floor'] as const;
export type CpuRole = (typeof CPU_ROLES)[number];
export type CpuPids = Partial<Record<CpuRole, number | undefined>>;
/** CPU ms per 1,000 deliveries by process (a role is absent when the scenario has no such process). */
export type CpuPerThousand = Partial<Record<CpuRole, number>>;

interface Stat {
  ppid: number;
  /** utime + stime of the process itself, ms. */
  own: number;
  /** cutime + cstime: children it has already waited for, ms. */
  reaped: number;
}

function stat(pid: number | string): Stat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-indexed overall.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(f[1]),
      own: (Number(f[11]) + Number(f[12])) * TICK_MS,
      reaped: (Number(f[13]) + Number(f[14])) * TICK_MS,
    };
  } catch {
    return undefined; // gone
  }
}

/** CPU ms of `pid` alone. */
export function ownCpuMs(pid: number): number {
  return stat(pid)?.own ?? Number.NaN;
}

/** CPU ms of `pid` and every live descendant, plus the children it already reaped. */
export function treeCpuMs(pid: number): number {
  const root = stat(pid);
  if (!root) return Number.NaN;
  const byParent = new Map<number, { pid: number; own: number }[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = stat(d);
    if (!s) continue;
    const list = byParent.get(s.ppid) ?? [];
    list.push({ pid: Number(d), own: s.own });
    byParent.set(s.ppid, list);
  }
  let total = root.own + root.reaped;
  const stack = [pid];
  while (stack.length) {
    for (const child of byParent.get(stack.pop() as number) ?? []) {
      total += child.own;
      stack.push(child.pid);
    }
  }
  return total;
}

export type CpuSnapshot = Partial<Record<CpuRole, number>>;

export function cpuSnapshot(pids: CpuPids): CpuSnapshot {
  const out: CpuSnapshot = {};
  for (const role of CPU_ROLES) {
    const pid = pids[role];
    if (pid) out[role] = treeCpuMs(pid);
  }
  return out;
}

/** CPU ms spent by each process in a window (a role is absent when its process could not be read). */
export type CpuMs = Partial<Record<CpuRole, number>>;

/** Record-keeping after the last receipt (batched writes, acks) belongs to the deliveries too. */
const SETTLE_MS = 300;

/** A timed window from now: `end()` (after a short settle) gives each process's CPU ms since. */
export function cpuWindow(pids: CpuPids): { end(): Promise<CpuMs> } {
  const before = cpuSnapshot(pids);
  return {
    async end() {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const after = cpuSnapshot(pids);
      const out: CpuMs = {};
      for (const role of CPU_ROLES) {
        const d = (after[role] as number) - (before[role] as number);
        if (Number.isFinite(d)) out[role] = d;
      }
      return out;
    },
  };
}

/** CPU ms per 1,000 deliveries (which is also microseconds per delivery). */
export function perThousand(ms: CpuMs, deliveries: number): CpuPerThousand {
  const out: CpuPerThousand = {};
  if (deliveries <= 0) return out;
  for (const role of CPU_ROLES) {
    const v = ms[role];
    if (v !== undefined) out[role] = Math.round((v / deliveries) * 1000);
  }
  return out;
}

let rabbitPidCache: number | undefined;

/**
 * The beam.smp of the RabbitMQ node at RABBITMQ_URL (several nodes run on this machine): the node
 * whose AMQP listener has that URL's port, by its `os_pid` from the management API.
 */
export async function rabbitPid(): Promise<number | undefined> {
  if (rabbitPidCache) return rabbitPidCache;
  try {
    const amqpPort = Number(new URL(RABBITMQ_URL).port || 5672);
    const overview = await managementGet<{
      node: string;
      listeners: { node: string; protocol: string; port: number }[];
    }>('/api/overview');
    const node = overview.listeners.find((l) => l.protocol === 'amqp' && l.port === amqpPort)?.node;
    const nodes = await managementGet<{ name: string; os_pid?: string }[]>('/api/nodes?columns=name,os_pid');
    const pid = Number(nodes.find((n) => n.name === node)?.os_pid);
    rabbitPidCache = Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    rabbitPidCache = undefined; // the CPU table shows n/a for RabbitMQ
  }
  return rabbitPidCache;
}
