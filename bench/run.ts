import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './harness.js';

/** `npm run bench [suite…]`: runs the named suites (all when none is named), prints a table, writes JSON. */
const here = dirname(fileURLToPath(import.meta.url));
const available = (await readdir(join(here, 'suites'))).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((s) => !available.includes(s));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}

for (const suite of wanted.length > 0 ? wanted : available) {
  const mod = (await import(`./suites/${suite}.ts`)) as { run(): Promise<BenchResult[]> };
  console.log(`\n== ${suite} ==`);
  const results = await mod.run();
  console.table(results);
  await mkdir(join(here, 'results'), { recursive: true });
  await writeFile(join(here, 'results', `${suite}.json`), JSON.stringify(results, null, 2) + '\n');
}
