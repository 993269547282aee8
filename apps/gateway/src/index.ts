export type { GatewaySettings } from '@hookline/config';
export { createApp, createGatewayModule } from './app';
export { startGateway } from './service';
