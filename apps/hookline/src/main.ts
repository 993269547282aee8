import { join, resolve } from 'node:path';
import { hooklineEnv, loadConfig } from '@hookline/config';
import { startDispatcher } from '@hookline/dispatcher';
import { selectMongo } from '@hookline/embedded-mongo';
import { startGateway } from '@hookline/gateway';
import { assembleApp, closeServer, createLogger, listen, onShutdown, type ServiceHandle } from '@hookline/http';
import { startPhotoApp } from '@hookline/photo-app';
import { connectMongo, createBroker, readinessChecks, shutdownBudgetMs } from '@hookline/runtime';
import { startSubscriptions } from '@hookline/subscriptions';
import { startTelemetry } from '@hookline/telemetry';
import { webModule } from '@hookline/web';
import { waitForBroker } from './broker-wait';
import { withDatabase } from './mongo-url';

/**
 * `npm start`: every Hookline app in ONE process on PORT (default 3000), the dispatcher worker
 * included: the one-machine default. MongoDB is MONGO_URL when set, otherwise a real `mongod` when
 * one can be had, otherwise the embedded stand-in with its data under DATA_DIR (`.hookline/`).
 */
async function main(): Promise<void> {
  const config = loadConfig(hooklineEnv);
  const logger = createLogger('hookline', config.LOG_LEVEL);
  const telemetry = startTelemetry('hookline');
  const dataDir = resolve(config.DATA_DIR);
  const mongo = await selectMongo({
    dbPath: join(dataDir, 'mongo'),
    separateProcess: true,
    log: (msg: string) => logger.info(msg),
  });
  if (mongo.kind === 'embedded') {
    logger.warn('MONGO_URL is not set: using the embedded MongoDB stand-in (development only, never production)');
  }
  const db = await connectMongo(withDatabase(mongo.uri, 'hookline'));
  const broker = createBroker(config, 'hookline', logger);
  // The ready lines below promise a working Hookline: not before RabbitMQ let us in.
  const brokerReady = waitForBroker(broker, config.RABBITMQ_URL, (line) => process.stderr.write(`${line}\n`));
  // A refused login ends the start at once, whatever is still starting.
  brokerReady.catch((err: Error) => {
    process.stderr.write(`hookline failed to start: ${err.message}\n`);
    process.exit(1);
  });
  if (config.ALLOW_PRIVATE_TARGETS)
    logger.warn('ALLOW_PRIVATE_TARGETS=true: deliveries to loopback and private addresses are allowed');

  const base = `http://localhost:${config.PORT}`;
  const deps = {
    config: {
      ...config,
      DATA_DIR: dataDir,
      SUBSCRIPTIONS_URL: config.SUBSCRIPTIONS_URL ?? `http://127.0.0.1:${config.PORT}`,
      PUBLIC_URL: config.PUBLIC_URL ?? base,
    },
    broker,
    db,
    logger,
  };
  const photoApp = await startPhotoApp(deps);
  const subscriptions = await startSubscriptions(deps);
  const gateway = await startGateway(deps);
  // The dispatcher calls the subscription service in this very process: its snapshot as objects (over
  // HTTP, 100,000 subscriptions would be serialized and parsed back on this same thread) and its
  // disable. Only an explicit SUBSCRIPTIONS_URL (a subscription service elsewhere) goes over HTTP.
  const dispatcher = await startDispatcher(
    deps,
    config.SUBSCRIPTIONS_URL === undefined ? subscriptions.inProcess : undefined,
  );
  const services: Array<[string, string, ServiceHandle]> = [
    ['photo-app', `${base}/like/:id`, photoApp],
    ['subscriptions', `${base}/subscription`, subscriptions],
    ['gateway', `${base}/stations/:station/produce/single`, gateway],
    ['dispatcher', `${base}/deliveries`, dispatcher],
  ];

  const modules = services.map(([, , s]) => s.module);
  modules.unshift({ checks: readinessChecks(broker, db) });
  // The dashboard and the portal: static pages over the same origin as the APIs they call.
  modules.push(webModule(config));
  const app = assembleApp({ modules, logger, title: 'Hookline', publicHosts: config.PUBLIC_HOSTS });
  // Loopback only unless HOST says otherwise: protected mode and the private-target default assume it.
  const server = await listen(app, config.PORT, config.HOST);

  onShutdown(
    logger,
    [
      async () => {
        for (const [, , s] of services) s.drain?.();
      },
      () => closeServer(server),
      // The dispatcher stops last among the apps: it may still be finishing deliveries of events the others published.
      ...services.map(
        ([, , s]) =>
          () =>
            s.stop(),
      ),
      () => broker.close(),
      () => db.close(),
      () => mongo.stop(),
      () => telemetry.shutdown(),
    ],
    shutdownBudgetMs(config),
  );
  await brokerReady;
  // Printed once the signal handlers are in place: whoever waits for these lines may stop us at once.
  for (const [name, url] of services) process.stdout.write(`${name.padEnd(14)} ${url}\n`);
  process.stdout.write(`${'docs'.padEnd(14)} ${base}/docs\n${'health'.padEnd(14)} ${base}/healthz\n`);
  process.stdout.write(`${'dashboard'.padEnd(14)} ${base}/dashboard\n${'portal'.padEnd(14)} ${base}/portal\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`hookline failed to start: ${err.message}\n`);
  process.exit(1);
});
