#!/usr/bin/env node

// In the monorepo, runs the TypeScript source through tsx, so a stale dist/ never runs instead of
// the code being worked on; where there is no source (a built image), runs dist/.
const fs = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, '..', 'src', 'cli.ts');
let cli;
if (fs.existsSync(source)) {
  require('tsx/cjs');
  cli = require(source);
} else {
  cli = require(path.join(__dirname, '..', 'dist', 'cli.js'));
}
cli.main().catch((err) => {
  process.stderr.write(`hookline-mongo: ${err?.stack ? err.stack : err}\n`);
  process.exit(1);
});
