export { connectMongo, isDuplicateKey, mongoReady, pageOf } from './mongo';
export { type BaseEnv, createBroker, readinessChecks, runStandalone, type ServiceDeps, shutdownBudgetMs } from './run';
export {
  loadTenantTokenSecret,
  TENANTS_COLLECTION,
  type TenantTokenEnv,
  tenantExists,
  tenantMatch,
  tenantTokenVerifier,
} from './tenant-tokens';
