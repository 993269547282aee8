/**
 * 11. Ingest alone: CPU per `GET /like` in the process that serves it, Hookline (`npm start`, no
 * subscriptions) against the ingest floor (bench/ingest-floor.ts: Node's http module and a confirmed
 * publish, nothing else), the same closed loop of requests for both. Scenario 1 is this plus the
 * delivery; this row says how much of scenario 1's CPU is taking the event in.
 */
import { deleteNamespace, RABBITMQ_URL, uniqueNamespace } from '@hookline/testing';
import amqp from 'amqplib';
import { type Client, client, closedLoop } from './client';
import type { Ctx } from './hookline';
import { now } from './lib/clock';
import { cpuWindow } from './lib/cpu';
import { Rpc } from './lib/procs';
import { round } from './lib/stats';
import { N } from './options';

export interface IngestResult {
  n: number;
  perSec: number;
  /** CPU of the serving process (and its children) per request, in µs. */
  cpuUsPerRequest: number;
  non202: number;
}

/** N.warm requests, then N.throughput timed ones, N.concurrency in flight; CPU of the serving process `pid`. */
async function drive(
  http: Client,
  base: string,
  role: 'hookline' | 'floor',
  pid: number | undefined,
): Promise<IngestResult> {
  let non202 = 0;
  const send = async (path: string) => {
    if ((await http.request(base, 'GET', path)) !== 202) non202++;
  };
  await closedLoop(N.warm, N.concurrency, (i) => send(`/like/warm-${i}`));
  non202 = 0;
  const cpu = cpuWindow({ [role]: pid });
  const t0 = now();
  await closedLoop(N.throughput, N.concurrency, (i) => send(`/like/in-${i}`));
  const elapsedMs = now() - t0;
  const ms = await cpu.end();
  const used = ms[role] ?? Number.NaN;
  return {
    n: N.throughput,
    perSec: Math.round(N.throughput / (elapsedMs / 1000)),
    cpuUsPerRequest: round((used / N.throughput) * 1000, 0),
    non202,
  };
}

/** Hookline's `GET /like` with nobody subscribed: the event is published, fanned out to no one, acked. */
export function hooklineIngest(ctx: Ctx): Promise<IngestResult> {
  return drive(ctx.http, ctx.hl.base, 'hookline', ctx.pids.hookline);
}

/** The same requests against the ingest floor, publishing to a durable queue of its own. */
export async function ingestFloor(): Promise<IngestResult> {
  const namespace = uniqueNamespace('benchingest');
  const exchange = `${namespace}.events`;
  const conn = await amqp.connect(RABBITMQ_URL);
  const server = Rpc.fork('ingest-floor.ts');
  const http = client(N.concurrency);
  try {
    const ch = await conn.createChannel();
    await ch.assertExchange(exchange, 'topic', { durable: true });
    await ch.assertQueue(`${namespace}.events.all`, { durable: true });
    await ch.bindQueue(`${namespace}.events.all`, exchange, '#');
    await server.ready;
    const { port } = await server.call<{ port: number }>({ cmd: 'start', amqpUrl: RABBITMQ_URL, exchange });
    return await drive(http, `http://127.0.0.1:${port}`, 'floor', server.proc.pid);
  } finally {
    http.close();
    await server.stop();
    await conn.close();
    await deleteNamespace(namespace);
  }
}
