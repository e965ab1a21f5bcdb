// Runs npm address-parse (MIT) over texts, for bench geo to show it beside Duban.
//
//   npm ci && node address-parse.mjs < texts.jsonl
//
// Standard input: one JSON string a line (the text). Standard output: one line per input line,
// the code address-parse gives: the county's (area) when it found one, else its city's or
// province's, else an empty line. address-parse never goes below the county.
import { createInterface } from 'node:readline';
import pkg from 'address-parse';

const AddressParse = pkg.default ?? pkg;
const AREA = pkg.AREA ?? {};

function codeOf(text) {
  try {
    const [result] = AddressParse.parse(text);
    if (!result) return '';
    if (result.area && result.code) return result.code;
    if (result.city || result.province) {
      const level = result.city ? 'city' : 'province';
      const name = result[level];
      const list = AREA[`${level}_list`] ?? {};
      const code = Object.keys(list).find((c) => list[c] === name);
      return code ?? '';
    }
    return '';
  } catch {
    return '';
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
let out = [];
for await (const line of lines) {
  let text = '';
  try {
    text = JSON.parse(line);
  } catch {
    text = line;
  }
  out.push(typeof text === 'string' ? codeOf(text) : '');
  if (out.length >= 256) {
    process.stdout.write(out.join('\n') + '\n');
    out = [];
  }
}
if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
