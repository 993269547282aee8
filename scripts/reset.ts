/**
 * `npm run reset [-- --yes]`: deletes every RabbitMQ queue and exchange of this checkout's namespace
 * (HOOKLINE_NAMESPACE, default `hookline`) after listing them and asking, so a fresh start does not pick
 * up retry tiers or dead letters another checkout left on the same broker. Other namespaces are untouched.
 * Uses the management API (RABBITMQ_MANAGEMENT_URL, default http://guest:guest@localhost:15672).
 */
import { createInterface } from 'node:readline/promises';
import { deleteObjects, namespaceObjects } from '@hookline/testing';

async function main(): Promise<number> {
  const namespace = process.env.HOOKLINE_NAMESPACE ?? 'hookline';
  const yes = process.argv.includes('--yes');
  let objects: Awaited<ReturnType<typeof namespaceObjects>>;
  try {
    objects = await namespaceObjects(namespace);
  } catch (err) {
    console.error(
      `reset: cannot list RabbitMQ's queues (${(err as Error).message}): enable the management plugin ` +
        '(`rabbitmq-plugins enable rabbitmq_management`) or set RABBITMQ_MANAGEMENT_URL',
    );
    return 1;
  }
  const count = objects.queues.length + objects.exchanges.length;
  if (count === 0) {
    console.log(`reset: nothing named ${namespace}.* on RabbitMQ`);
    return 0;
  }
  console.log(`Namespace ${namespace}: ${objects.queues.length} queue(s), ${objects.exchanges.length} exchange(s)`);
  for (const q of objects.queues) console.log(`  queue     ${q}`);
  for (const e of objects.exchanges) console.log(`  exchange  ${e}`);
  if (!yes) {
    if (!process.stdin.isTTY) {
      console.error('reset: not a terminal; run `npm run reset -- --yes` to delete without asking');
      return 1;
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question('Delete them, with every message they hold? [y/N] ');
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      console.log('reset: nothing deleted');
      return 0;
    }
  }
  await deleteObjects(objects);
  console.log(`reset: deleted ${count} object(s) of ${namespace}`);
  return 0;
}

void main().then((code) => process.exit(code));
