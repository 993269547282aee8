/** The RabbitMQ management API, GET only (node stats, the node's OS pid). */
const MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@localhost:15672';

/** GET `path` with the credentials of RABBITMQ_MANAGEMENT_URL (fetch refuses them inside the URL). */
export async function managementGet<T>(path: string): Promise<T> {
  const url = new URL(path, MANAGEMENT_URL);
  const auth = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString(
    'base64',
  );
  url.username = '';
  url.password = '';
  const res = await fetch(url, { headers: { authorization: `Basic ${auth}` } });
  if (!res.ok) throw new Error(`the management API answered ${res.status} to GET ${path}`);
  return (await res.json()) as T;
}
