import { gatewayEnv } from '@hookline/config';
import { runStandalone } from '@hookline/runtime';
import { startGateway } from './service';

void runStandalone({ name: 'gateway', envSchema: gatewayEnv, start: startGateway });
