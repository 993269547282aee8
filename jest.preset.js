// Shared jest preset: every workspace's jest.config.js is `require('../../jest.preset.js')(__dirname)`.
// Tests run the TypeScript sources directly (the `hookline-src` export condition), so `npm test`
// needs no build step; ts-jest only transpiles (isolatedModules) and `npm run typecheck` does the types.
const path = require('node:path');

module.exports = (dir) => ({
  displayName: path.basename(dir),
  rootDir: dir,
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['hookline-src', 'node', 'node-addons'] },
  testMatch: ['<rootDir>/*.test.ts', '<rootDir>/test/**/*.test.ts', '<rootDir>/src/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(dir, 'tsconfig.json'), diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
});
