export { withDatabase } from './mongo-url';
