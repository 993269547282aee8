import { randomBytes } from 'node:crypto';

export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@localhost:5672';
const MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@localhost:15672';

/** A namespace no other test uses: every exchange and queue of the test is `<ns>.…`. */
export function uniqueNamespace(label = 't'): string {
  return `${
    label
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 12) || 't'
  }-${randomBytes(4).toString('hex')}`;
}

async function management(path: string, init: RequestInit = {}): Promise<Response> {
  const url = new URL(path, MANAGEMENT_URL);
  const auth = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString(
    'base64',
  );
  url.username = '';
  url.password = '';
  return fetch(url, { ...init, headers: { authorization: `Basic ${auth}`, ...(init.headers ?? {}) } });
}

/** A GET of RabbitMQ's management API, parsed (needs the management plugin). */
export async function managementGet(path: string): Promise<unknown> {
  const res = await management(path);
  if (!res.ok) throw new Error(`the management API answered ${res.status} to GET ${path}`);
  return res.json();
}

/** Every queue and exchange named `<namespace>.…`, through the management API (throws without it). */
export async function namespaceObjects(namespace: string): Promise<{ queues: string[]; exchanges: string[] }> {
  const list = async (kind: 'queues' | 'exchanges') => {
    const res = await management(`/api/${kind}/%2F?columns=name`);
    if (!res.ok) throw new Error(`the management API answered ${res.status} to GET /api/${kind}`);
    return ((await res.json()) as { name: string }[]).map((o) => o.name).filter((n) => n.startsWith(`${namespace}.`));
  };
  return { queues: await list('queues'), exchanges: await list('exchanges') };
}

/** Deletes the named queues and exchanges (needs the management plugin). */
export async function deleteObjects(objects: { queues: string[]; exchanges: string[] }): Promise<void> {
  await Promise.all(
    objects.queues.map((q) => management(`/api/queues/%2F/${encodeURIComponent(q)}`, { method: 'DELETE' })),
  );
  await Promise.all(
    objects.exchanges.map((e) => management(`/api/exchanges/%2F/${encodeURIComponent(e)}`, { method: 'DELETE' })),
  );
}

/** Deletes every queue and exchange of a test namespace (needs the management plugin). */
export async function deleteNamespace(namespace: string): Promise<void> {
  try {
    await deleteObjects(await namespaceObjects(namespace));
  } catch {
    /* best effort: a missing management plugin leaves test queues behind, nothing worse */
  }
}

/** Message count of a queue, through the management API (it refreshes every few seconds). */
export async function queueDepth(queue: string): Promise<number> {
  const res = await management(`/api/queues/%2F/${encodeURIComponent(queue)}`);
  if (!res.ok) return -1;
  const body = (await res.json()) as { messages?: number };
  return body.messages ?? 0;
}

/** Force-closes the RabbitMQ connections with this client-provided name, as a broker restart would. */
export async function closeConnections(connectionName: string): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const conns = (await (await management('/api/connections?columns=name,client_properties')).json()) as {
      name: string;
      client_properties?: { connection_name?: string };
    }[];
    const mine = conns.filter((c) => c.client_properties?.connection_name === connectionName);
    if (mine.length > 0) {
      await Promise.all(
        mine.map((c) => management(`/api/connections/${encodeURIComponent(c.name)}`, { method: 'DELETE' })),
      );
      return mine.length;
    }
    // The management API lags behind new connections by a moment.
    await new Promise((r) => setTimeout(r, 200));
  }
  return 0;
}
