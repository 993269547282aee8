export { createApp, createDispatcherModule, type DispatcherAppDeps } from './app';
export { type DispatcherSettings, startDispatcher } from './service';
export { DispatcherWorker } from './worker';
