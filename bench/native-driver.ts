import { execFile } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const exec = promisify(execFile);

/** gcc or Debian's librdkafka-dev is missing: the suite reports itself skipped with this message. */
export class NativeDriverError extends Error {
  override readonly name = 'NativeDriverError';
}

/**
 * The path of bench/native/<name>.c built with `libraries`, compiled into node_modules/.cache/samsa-bench/ on first
 * use and again whenever the source is newer than the binary.
 */
export async function nativeDriver(name: string, libraries: readonly string[]): Promise<string> {
  const source = join(here, 'native', `${name}.c`);
  const binary = join(here, '..', 'node_modules', '.cache', 'samsa-bench', name);
  const [sourceStat, binaryStat] = await Promise.all([stat(source), stat(binary).catch(() => null)]);
  if (binaryStat !== null && binaryStat.mtimeMs >= sourceStat.mtimeMs) return binary;
  await mkdir(dirname(binary), { recursive: true });
  try {
    await exec('gcc', ['-O2', '-o', binary, source, ...libraries]);
  } catch (err) {
    throw new NativeDriverError(
      `cannot build the librdkafka driver ${name} (apt-get install -y gcc librdkafka-dev): ${(err as Error).message}`,
      { cause: err },
    );
  }
  return binary;
}
