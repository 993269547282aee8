export { createApp, createGatewayModule } from './app';
export { type GatewaySettings, startGateway } from './service';
