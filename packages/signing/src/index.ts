export type { SignatureHeaders, VerifyOptions } from './standard-webhooks';
export { generateSecret, sign, signatureHeaders, verify, WebhookVerificationError } from './standard-webhooks';
