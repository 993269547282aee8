export { ConfigError, loadConfig, parseEnv } from './parse';
export {
  type DispatcherConfig,
  dispatcherEnv,
  type GatewayConfig,
  gatewayEnv,
  type HooklineConfig,
  hooklineEnv,
  type PhotoAppConfig,
  photoAppEnv,
  type SubscriptionsConfig,
  subscriptionsEnv,
  type WebConfig,
  webEnv,
} from './schemas';
