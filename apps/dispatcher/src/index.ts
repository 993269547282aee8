export { createApp, createDispatcherModule } from './app';
export { type DispatcherSettings, startDispatcher } from './service';
