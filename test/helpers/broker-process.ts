import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BrokerProcess {
  readonly child: ChildProcess;
  /** host:port from the broker's ready line. */
  readonly bootstrapServers: string;
  /** Resolves with the exit code (null when killed by a signal) and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
}

/**
 * Runs `samsa broker` as a child process on `logDir` (loopback, ephemeral port) and resolves once it prints its
 * ready line, `samsa broker <id> listening on host:port`. Rejects if it exits first or is not ready in time.
 */
export function spawnBroker(
  logDir: string,
  overrides: Readonly<Record<string, string>> = {},
  readyTimeoutMs = 60_000,
): Promise<BrokerProcess> {
  const properties: Record<string, string> = {
    listeners: 'PLAINTEXT://127.0.0.1:0',
    'log.dirs': logDir,
    'offsets.topic.replication.factor': '1',
    ...overrides,
  };
  const args = ['--import', 'tsx', 'bin/samsa.ts', 'broker', '--log-level', 'warn'];
  for (const [key, value] of Object.entries(properties)) args.push('--override', `${key}=${value}`);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker not ready within ${readyTimeoutMs} ms:\n${out}`));
    }, readyTimeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const match = /samsa broker -?\d+ listening on (\S+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, bootstrapServers: match[1]!, exited, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`broker exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
}

/**
 * Polls `check` until it returns true, or rejects after `timeoutMs`; `what` names the condition, or describes the
 * state at the timeout when it is a function.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what: string | (() => string) = 'condition',
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
