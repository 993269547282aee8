export { connectMongo, mongoReady } from './mongo';
export { type BaseEnv, createBroker, readinessChecks, runStandalone, type ServiceDeps, shutdownBudgetMs } from './run';
