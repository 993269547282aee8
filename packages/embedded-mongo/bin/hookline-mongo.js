#!/usr/bin/env node

// Runs the built CLI when dist/ exists; otherwise runs the TypeScript source through tsx,
// so the bin works in the monorepo without a build step.
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'cli.js');
let cli;
if (fs.existsSync(built)) {
  cli = require(built);
} else {
  require('tsx/cjs');
  cli = require('../src/cli.ts');
}
cli.main().catch((err) => {
  process.stderr.write(`hookline-mongo: ${err?.stack ? err.stack : err}\n`);
  process.exit(1);
});
