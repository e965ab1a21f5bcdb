#!/usr/bin/env node
// Copies the browser libraries Duban's pages use into src/Duban/wwwroot/lib, from the npm packages
// pinned in package.json (package-lock.json holds their hashes):
//   echarts (Apache-2.0): node_modules/echarts/dist/echarts.min.js → wwwroot/lib/echarts.min.js,
//   the charts of the dashboard (/console/dashboard). Its licence and NOTICE go beside it.
// The copies are committed (the executable embeds wwwroot), so a build needs no npm.
//
// Usage (from scripts/web):
//   npm ci
//   node make-web.mjs           # write the files into ../../src/Duban/wwwroot/lib
//   node make-web.mjs --check   # write nothing; exit 1 if a committed file differs from the package's

import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(here, '../../src/Duban/wwwroot/lib');
const check = process.argv.includes('--check');

function fail(message) {
  console.error(`make-web: ${message}`);
  process.exit(1);
}

const pins = JSON.parse(readFileSync(resolve(here, 'package.json'), 'utf8')).dependencies;

/** [package, file inside the package, name in wwwroot/lib] */
const files = [
  ['echarts', 'dist/echarts.min.js', 'echarts.min.js'],
  ['echarts', 'LICENSE', 'echarts.LICENSE.txt'],
  ['echarts', 'NOTICE', 'echarts.NOTICE.txt'],
];

let stale = 0;
for (const [pkg, inner, name] of files) {
  let installed;
  try {
    installed = require(`${pkg}/package.json`);
  } catch {
    fail(`${pkg} is not installed: run npm ci in scripts/web`);
  }
  if (installed.version !== pins[pkg]) fail(`${pkg} ${installed.version} is installed but package.json pins ${pins[pkg]}: run npm ci`);
  const source = resolve(dirname(require.resolve(`${pkg}/package.json`)), inner);
  const bytes = readFileSync(source);
  const target = resolve(outDir, name);
  if (check) {
    if (!existsSync(target) || !bytes.equals(readFileSync(target))) {
      console.error(`make-web: src/Duban/wwwroot/lib/${name} is not ${pkg} ${pins[pkg]}'s ${inner}: run node scripts/web/make-web.mjs`);
      stale++;
    }
  } else {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(target, bytes);
    console.log(`make-web: ${pkg} ${pins[pkg]} ${inner} → src/Duban/wwwroot/lib/${name} (${bytes.length} bytes)`);
  }
}
if (stale > 0) process.exit(1);
if (check) console.log(`make-web: wwwroot/lib matches the pinned packages (${files.length} files)`);
