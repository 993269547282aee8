export { type SelectedMongo, type SelectMongoOptions, selectMongo } from './select';
export { type EmbeddedMongo, type EmbeddedMongoOptions, startEmbeddedMongo } from './server';
