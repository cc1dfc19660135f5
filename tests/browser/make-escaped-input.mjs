#!/usr/bin/env node
// Builds a harness input from the four public XSS corpora in tests/data/xss,
// with a stand-in "sanitiser" that HTML-escapes the whole payload (& < > " ')
// for both variants. Used to check the harness itself: the escaped outputs must
// give 0 executions and 0 requests, the raw payloads many executions.
//
//   node tests/browser/make-escaped-input.mjs [--xss-dir DIR] [--out FILE]
// DIR defaults to <repo>/tests/data/xss; FILE defaults to stdout.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
let dir = path.resolve(here, '..', 'data', 'xss');
let out = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--xss-dir') dir = argv[++i];
  else if (argv[i] === '--out') out = argv[++i];
  else { console.error(`usage: make-escaped-input.mjs [--xss-dir DIR] [--out FILE]`); process.exit(3); }
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));

const corpora = [
  ['dompurify-expect.json', (d) => d.map((x) => x.payload)],
  ['h5sc-items.json', (d) => d.map((x) => x.data)],
  ['html5lib-sanitizer-tests1.json', (d) => d.map((x) => x.input)],
  ['owasp-xss-filter-evasion.json', (d) => d.vectors.map((x) => x.vector)],
];

const items = [];
for (const [file, pick] of corpora) {
  pick(read(file)).forEach((raw, i) => {
    if (typeof raw !== 'string') return;
    items.push({ source: `${file}#${i}`, raw, outputs: { default: esc(raw), rich: esc(raw) } });
  });
}
const json = JSON.stringify(items, null, 1);
if (out) {
  fs.writeFileSync(out, json);
  console.error(`wrote ${items.length} cases to ${out}`);
} else {
  process.stdout.write(json + '\n');
}
