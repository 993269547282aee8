/**
 * The ingest floor, run as its own child process (fork, IPC): Node's http module alone serving
 * `GET /like/:id`, each request published as a persistent JSON event on a confirm channel (noDelay,
 * as Hookline's broker) and answered 202 with a small JSON body once RabbitMQ confirmed it. What
 * Hookline's `GET /like` does, without a framework, validation, metrics or anything else.
 */
import http from 'node:http';
import amqp from 'amqplib';

interface Start {
  id: number;
  cmd: 'start';
  amqpUrl: string;
  exchange: string;
}

let conn: amqp.ChannelModel | undefined;
let server: http.Server | undefined;
let seq = 0;

async function start(m: Start): Promise<number> {
  conn = await amqp.connect(m.amqpUrl, { noDelay: true });
  const ch = await conn.createConfirmChannel();
  server = http.createServer((req, res) => {
    const photoId = (req.url ?? '').slice('/like/'.length);
    const event = {
      id: `evt_floor${process.pid}_${seq++}`,
      type: 'LIKED_PHOTO',
      timestamp: new Date().toISOString(),
      data: { photoId },
    };
    const props = { persistent: true, messageId: event.id, contentType: 'application/json' };
    ch.publish(m.exchange, event.type, Buffer.from(JSON.stringify(event)), props, (err) => {
      const body = JSON.stringify(err ? { error: 'not confirmed' } : { id: event.id, type: event.type, photoId });
      res.writeHead(err ? 503 : 202, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

process.on('message', (m: Start) => {
  if (m.cmd === 'start') void start(m).then((port) => process.send?.({ id: m.id, port }));
});
process.on('disconnect', () => {
  server?.closeAllConnections();
  void (conn?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
process.send?.({ id: 0, ready: true });
