export {
  generateSigningKey,
  isSigningKey,
  PUBLIC_KEY_PREFIX,
  publicKeyOf,
  SIGNING_KEY_PREFIX,
  signAsymmetric,
  verifyAsymmetric,
} from './ed25519';
export type { SignatureHeaders, VerifyOptions } from './standard-webhooks';
export { generateSecret, sign, signatureHeaders, verify, WebhookVerificationError } from './standard-webhooks';
