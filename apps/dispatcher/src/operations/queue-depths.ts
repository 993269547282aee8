/** One queue as the RabbitMQ management API reports it. */
export interface QueueDepth {
  name: string;
  /** Ready + unacknowledged. */
  messages: number;
  ready: number;
  unacknowledged: number;
  consumers: number;
}

/**
 * The depth of every queue of this namespace, through the RabbitMQ management API, or null when it
 * does not answer (plugin off, wrong URL): the dashboard then says so instead of failing. Node's
 * fetch refuses credentials in a URL, so `http://user:pass@host:15672` becomes a Basic header.
 */
export async function queueDepths(
  managementUrl: string,
  rabbitmqUrl: string,
  namespace: string,
  timeoutMs = 1500,
): Promise<QueueDepth[] | null> {
  try {
    const url = new URL(managementUrl);
    const auth = `Basic ${Buffer.from(`${decodeURIComponent(url.username || 'guest')}:${decodeURIComponent(url.password || 'guest')}`).toString('base64')}`;
    url.username = '';
    url.password = '';
    // The vhost is the AMQP URL's path ("/" when empty), URL-encoded as one path segment.
    const vhost = decodeURIComponent(new URL(rabbitmqUrl).pathname.slice(1)) || '/';
    const base = url.toString().replace(/\/$/, '');
    const res = await fetch(
      `${base}/api/queues/${encodeURIComponent(vhost)}?columns=name,messages,messages_ready,messages_unacknowledged,consumers`,
      { headers: { authorization: auth }, signal: AbortSignal.timeout(timeoutMs) },
    );
    if (!res.ok) return null;
    const rows = (await res.json()) as Array<Record<string, unknown>>;
    const num = (v: unknown) => (typeof v === 'number' ? v : 0);
    return rows
      .filter((r) => typeof r.name === 'string' && r.name.startsWith(`${namespace}.`))
      .map((r) => ({
        name: r.name as string,
        messages: num(r.messages),
        ready: num(r.messages_ready),
        unacknowledged: num(r.messages_unacknowledged),
        consumers: num(r.consumers),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return null;
  }
}
