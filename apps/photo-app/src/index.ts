export { createApp, createPhotoAppModule } from './app';
export { type PhotoAppSettings, startPhotoApp } from './service';
