import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BaseContext } from '../src/router';
import { PortalApp } from './app';
import { takeTokenFromFragment } from './token';
import '../src/styles.css';

const token = takeTokenFromFragment();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BaseContext.Provider value="/portal">
      <PortalApp token={token} />
    </BaseContext.Provider>
  </StrictMode>,
);
