export { type EmbeddedMongo, type EmbeddedMongoOptions, startEmbeddedMongo } from './server';
export { type SelectedMongo, type SelectMongoOptions, selectMongo } from './select';
