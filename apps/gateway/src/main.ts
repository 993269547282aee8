import { gatewayEnv } from '@hookline/config';
import { runStandalone } from '@hookline/runtime';
import { startGateway } from './service';

runStandalone({ name: 'gateway', envSchema: gatewayEnv, start: startGateway }).catch((err: Error) => {
  // One readable line (e.g. missing JWT secrets in production), not a stack trace.
  process.stderr.write(`gateway failed to start: ${err.message}\n`);
  process.exit(1);
});
