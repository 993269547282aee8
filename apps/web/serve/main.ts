import { loadConfig, webEnv } from '@hookline/config';
import { assembleApp, closeServer, createLogger, listen, onShutdown } from '@hookline/http';
import { webModule } from './index';

/** The web app alone (its docker-compose container): static pages, no database, no broker. */
async function main(): Promise<void> {
  const config = loadConfig(webEnv);
  const logger = createLogger('web', config.LOG_LEVEL);
  const app = assembleApp({
    modules: [webModule(config)],
    logger,
    title: 'Hookline web',
    publicHosts: config.PUBLIC_HOSTS,
  });
  const server = await listen(app, config.PORT, config.HOST);
  onShutdown(logger, [() => closeServer(server)]);
  logger.info({ port: config.PORT }, 'web listening');
}

main().catch((err: Error) => {
  process.stderr.write(`web failed to start: ${err.message}\n`);
  process.exit(1);
});
