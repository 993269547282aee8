// Root jest: every workspace (and test/*) with a jest.config.js is a project. Run through
// `npm test` (scripts/test.ts), which provisions RabbitMQ and MongoDB first.
const fs = require('node:fs');
const path = require('node:path');

const roots = ['packages', 'apps', 'test'];
const projects = roots.flatMap((root) => {
  const dir = path.join(__dirname, root);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => path.join(dir, name))
    .filter((p) => fs.existsSync(path.join(p, 'jest.config.js')));
});

// testTimeout is a global option: projects' own values are ignored.
module.exports = { projects, testTimeout: 30000 };
