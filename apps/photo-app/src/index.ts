export type { PhotoAppSettings } from '@hookline/config';
export { createApp, createPhotoAppModule } from './app';
export { startPhotoApp } from './service';
