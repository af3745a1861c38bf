import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rules of ARCHITECTURE.md §2.1, enforced by reading every import in the source folders:
 * protocol and storage import nothing of ours (storage may use protocol/records), client imports protocol,
 * broker imports protocol and storage, bin imports broker and client. Cross-folder imports go through the
 * target folder's index.ts (storage → protocol/records/index.ts), and no file imports itself through a cycle.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RULES: Record<string, string[]> = {
  protocol: [],
  storage: ['protocol/records'],
  client: ['protocol'],
  broker: ['protocol', 'storage'],
  bin: ['broker', 'client'],
};
const FOLDERS = Object.keys(RULES);

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return sourceFiles(path);
      return Promise.resolve(e.name.endsWith('.ts') ? [path] : []);
    }),
  );
  return nested.flat();
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(?\s*['"]([^'"]+)['"]/g;

async function relativeImports(folder: string): Promise<{ file: string; target: string }[]> {
  const out: { file: string; target: string }[] = [];
  for (const file of await sourceFiles(join(ROOT, folder))) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) continue;
      out.push({ file: relative(ROOT, file), target: relative(ROOT, resolve(dirname(file), spec)) });
    }
  }
  return out;
}

/** What an import may reach: its own folder, or an allowed folder's index (protocol/records for storage). */
function allowed(folder: string, target: string): boolean {
  const top = target.split(sep)[0]!;
  if (top === folder) return true;
  return RULES[folder]!.some((dep) => target === join(dep, 'index.js') || target === join(dep, 'index.ts'));
}

describe('dependency rules', () => {
  for (const folder of FOLDERS) {
    it(`${folder}/ imports only ${RULES[folder]!.join(', ') || 'external packages'}`, async () => {
      const imports = await relativeImports(folder);
      const bad = imports.filter((i) => !allowed(folder, i.target)).map((i) => `${i.file} → ${i.target}`);
      expect(bad).toEqual([]);
    });
  }

  it('has no import cycles between source files', async () => {
    const edges = new Map<string, string[]>();
    for (const folder of FOLDERS) {
      for (const { file, target } of await relativeImports(folder)) {
        const to = target.replace(/\.js$/, '.ts');
        edges.set(file, [...(edges.get(file) ?? []), to]);
      }
    }
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of edges.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('the rule checker itself rejects a forbidden edge', () => {
    expect(allowed('protocol', 'storage/index.js')).toBe(false);
    expect(allowed('storage', 'protocol/records/index.js')).toBe(true);
    expect(allowed('storage', 'protocol/index.js')).toBe(false);
    expect(allowed('broker', 'storage/log.js')).toBe(false);
    expect(allowed('client', 'protocol/index.js')).toBe(true);
  });
});
