import { dispatcherEnv } from '@hookline/config';
import { runStandalone } from '@hookline/runtime';
import { startDispatcher } from './service';

void runStandalone({ name: 'dispatcher', envSchema: dispatcherEnv, start: startDispatcher });
