// `npm start` runs this before the broker: tsc takes seconds even when nothing changed, so it runs only when a
// source file, a source directory (a file added or removed) or a config is newer than the last build.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const buildInfo = join(root, 'dist/.tsbuildinfo');
const built = mtime(buildInfo);

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

function newerThanBuild(dir) {
  if (mtime(dir) > built) return true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'build' && newerThanBuild(path)) return true;
    } else if (entry.name.endsWith('.ts') && mtime(path) > built) return true;
  }
  return false;
}

const sources = ['protocol', 'storage', 'broker', 'client', 'bin'].map((dir) => join(root, dir));
const configs = ['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((file) => join(root, file));
const stale = built < 0 || configs.some((file) => mtime(file) > built) || sources.some(newerThanBuild);
if (stale) {
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  process.exitCode = tsc.status ?? 1;
  // tsc leaves its build info untouched when no output changed; marking it keeps the next start fast
  if (tsc.status === 0) utimesSync(buildInfo, new Date(), new Date());
}
