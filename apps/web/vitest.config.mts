import { defineConfig } from 'vitest/config';

// The pages' component tests (ui/test): vitest, because it runs the UI's ESM + JSX as Vite builds it,
// in happy-dom (a DOM without a browser). The server's tests (test/) stay with jest like every workspace;
// the flows end to end run in a real Chromium (test/browser at the repository root).
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  test: {
    include: ['ui/test/**/*.test.{ts,tsx}'],
    environment: 'happy-dom',
  },
});
