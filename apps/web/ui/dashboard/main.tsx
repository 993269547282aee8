import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BaseContext } from '../src/router';
import { DashboardApp } from './app';
import '../src/styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BaseContext.Provider value="/dashboard">
      <DashboardApp />
    </BaseContext.Provider>
  </StrictMode>,
);
