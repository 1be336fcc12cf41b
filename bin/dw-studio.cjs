#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const cli = path.join(__dirname, '..', 'dist', 'main', 'cli.cjs');
if (!fs.existsSync(cli)) {
  console.error('dw-studio: the command is not built yet. Run `npm run build` in the repository first.');
  process.exit(1);
}
require(cli).main(process.argv);
