/**
 * The floor, run as its own child process (fork, IPC): a minimal amqplib consumer (prefetch
 * FLOOR_PREFETCH, noDelay as Hookline's broker uses) that POSTs each message's content to the
 * receiver over a keep-alive http.Agent and acks it once the receiver answered. A message
 * `{fanout: n}` is POSTed n times (to `/s/0` .. `/s/n-1`), then acked.
 */
import http from 'node:http';
import amqp from 'amqplib';
import { now } from './lib/clock';

interface Start {
  id: number;
  cmd: 'start';
  amqpUrl: string;
  queue: string;
  target: string;
  prefetch: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(url: URL, path: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let conn: amqp.ChannelModel | undefined;

async function start(m: Start): Promise<number> {
  conn = await amqp.connect(m.amqpUrl, { noDelay: true });
  const ch = await conn.createChannel();
  await ch.prefetch(m.prefetch);
  const target = new URL(m.target);
  const startedAt = now();
  await ch.consume(m.queue, (msg) => {
    if (!msg) return;
    const { fanout } = JSON.parse(msg.content.toString('utf8')) as { fanout?: number };
    const n = fanout ?? 1;
    const posts: Promise<number>[] = [];
    for (let i = 0; i < n; i++) posts.push(post(target, n === 1 ? '/' : `/s/${i}`, msg.content));
    Promise.all(posts).then(
      () => ch.ack(msg),
      () => ch.nack(msg, false, true),
    );
  });
  return startedAt;
}

process.on('message', (m: Start) => {
  if (m.cmd === 'start') void start(m).then((startedAt) => process.send?.({ id: m.id, startedAt }));
});
process.on('disconnect', () => {
  void (conn?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
process.send?.({ id: 0, ready: true });
