import { photoAppEnv } from '@hookline/config';
import { runStandalone } from '@hookline/runtime';
import { startPhotoApp } from './service';

void runStandalone({ name: 'photo-app', envSchema: photoAppEnv, start: startPhotoApp });
