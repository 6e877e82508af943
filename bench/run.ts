// `npm run bench [-- NAME...]`: runs the benchmarks in bench/ (all, or the named ones) and updates BENCHMARKS.md.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceSection, type Bench } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const target = join(root, 'BENCHMARKS.md');
const HEADER = '# Benchmarks\n\nWritten by `npm run bench` (bench/*.ts); each section says what was measured, on which machine, and the ratio to the named peer where there is one. Benchmarks are not tests: figures vary with the machine.\n';

const wanted = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.js') && !['run.js', 'harness.js'].includes(f) && !f.endsWith('.test.js')).sort();
let doc = existsSync(target) ? readFileSync(target, 'utf8') : HEADER;
for (const f of files) {
  const bench = (await import(join(here, f))).default as Bench | undefined;
  if (!bench?.run || (wanted.length > 0 && !wanted.includes(bench.name))) continue;
  process.stdout.write(`bench ${bench.name} ...\n`);
  const section = await bench.run();
  process.stdout.write(section + '\n');
  doc = replaceSection(doc, bench.name, section);
  writeFileSync(target, doc);
}
