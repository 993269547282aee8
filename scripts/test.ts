/**
 * `npm test`: provisions what the tests need, then runs every jest project.
 * - RabbitMQ at RABBITMQ_URL (default amqp://guest:guest@localhost:5672). If nothing answers and
 *   `rabbitmq-server` is installed, it is started; otherwise we stop at once and say how to start one.
 * - MongoDB: MONGO_URL when set (a real MongoDB: the conformance suite then checks it), else the
 *   embedded stand-in on a free port, in memory. Tests each use their own database.
 * Extra arguments go to jest (e.g. `npm test -- packages/broker`). The web app's component tests
 * (vitest, apps/web/ui/test) run too when no arguments narrow the run, or when one names apps/web.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { selectMongo } from '@hookline/embedded-mongo';

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@localhost:5672';
const MANAGEMENT = new URL(process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://localhost:15672');
const MANAGEMENT_PORT = Number(MANAGEMENT.port || 15672);

// Dial rather than probe: RabbitMQ accepts TCP before it completes an AMQP handshake, so we try
// a real AMQP connection.
async function rabbitAnswers(): Promise<boolean> {
  const amqp = await import('amqplib');
  try {
    const conn = await amqp.connect(RABBITMQ_URL, { timeout: 2000 });
    await conn.close();
    return true;
  } catch {
    return false;
  }
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

async function ensureRabbit(): Promise<void> {
  if (await rabbitAnswers()) return;
  if (!has('rabbitmq-server')) {
    console.error(
      `RabbitMQ does not answer at ${RABBITMQ_URL}. Start one, e.g.\n` +
        '  docker run -d -p 5672:5672 -p 15672:15672 rabbitmq:3-management\n' +
        'or install rabbitmq-server and run `rabbitmq-server -detached`, or set RABBITMQ_URL.',
    );
    process.exit(1);
  }
  console.log('RabbitMQ is not running: starting rabbitmq-server -detached');
  spawnSync('rabbitmq-server', ['-detached'], { stdio: 'inherit' });
  // `await_startup` fails at once while the node is not yet up enough to be asked: retry it.
  for (let i = 0; ; i++) {
    if (spawnSync('rabbitmqctl', ['await_startup', '--timeout', '60'], { stdio: 'ignore' }).status === 0) break;
    if (i === 60) {
      console.error('rabbitmq-server was started but did not come up within 2 minutes');
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  spawnSync('rabbitmq-plugins', ['enable', 'rabbitmq_management'], { stdio: 'inherit' });
  if (!(await rabbitAnswers())) {
    console.error(`RabbitMQ was started but does not answer at ${RABBITMQ_URL}`);
    process.exit(1);
  }
}

function rabbitIsLocal(): boolean {
  const host = new URL(RABBITMQ_URL).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

/**
 * Some tests force-close connections through the management API (as a broker restart would). A
 * fresh `apt install rabbitmq-server` runs without the plugin, so when the broker is ours (local,
 * `rabbitmq-plugins` installed) we enable it and wait for its port; otherwise we say what to do.
 */
async function ensureManagementApi(): Promise<void> {
  if (await portOpen(MANAGEMENT.hostname, MANAGEMENT_PORT)) return;
  if (!rabbitIsLocal() || !has('rabbitmq-plugins')) {
    console.warn(
      `RabbitMQ management API (${MANAGEMENT.host}) is not up: run \`rabbitmq-plugins enable rabbitmq_management\`.`,
    );
    return;
  }
  console.log('Enabling the RabbitMQ management plugin (tests that close connections use its API)');
  spawnSync('rabbitmq-plugins', ['enable', 'rabbitmq_management'], { stdio: 'ignore' });
  for (let i = 0; i < 120; i++) {
    if (await portOpen(MANAGEMENT.hostname, MANAGEMENT_PORT)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.warn(`The RabbitMQ management plugin was enabled but ${MANAGEMENT.host} did not open within 60 s.`);
}

async function main(): Promise<void> {
  await ensureRabbit();
  await ensureManagementApi();
  const mongo = await selectMongo({ log: (m: string) => console.log(m) });
  console.log(`MongoDB for tests: ${mongo.kind} at ${mongo.uri}`);
  const env = { ...process.env, MONGO_URL: mongo.uri, RABBITMQ_URL };
  const args = process.argv.slice(2);
  // Fault tests close every RabbitMQ connection and kill processes: they run after the others,
  // one file at a time, so they never disturb a test that is not about faults.
  let code = await jest(['--ignoreProjects', ...SERIAL_PROJECTS, '--passWithNoTests', ...args], env);
  if (code === 0 && (args.length === 0 || args.some((a) => a.startsWith('apps/web')))) code = await vitest(env);
  // The RabbitMQ cluster test (three nodes of its own) runs last, alone too: it needs the CPU.
  for (const project of SERIAL_PROJECTS) {
    if (code === 0 && hasProject(project))
      code = await jest(['--selectProjects', project, '--runInBand', '--passWithNoTests', ...args], env);
  }
  await mongo.stop();
  process.exit(code);
}

function jest(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, ['--conditions=hookline-src', require.resolve('jest/bin/jest'), ...args], {
    stdio: 'inherit',
    env,
  });
  return new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
}

/** The web app's component tests: its own runner (ESM + JSX as Vite builds them, in happy-dom). */
function vitest(env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn('npm', ['run', 'test:ui', '--workspace', '@hookline/web'], { stdio: 'inherit', env });
  return new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
}

/** Projects that run after the others, one file at a time: fault injection, then the RabbitMQ cluster. */
const SERIAL_PROJECTS = ['faults', 'cluster'];

function hasProject(name: string): boolean {
  return existsSync(join(__dirname, '..', 'test', name, 'jest.config.js'));
}

void main();
