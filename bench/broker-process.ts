import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 60_000;
/** Lines of a broker's output kept for error messages. */
const TAIL_LINES = 60;

/** One `samsa broker` process started by BrokerProcesses. */
export interface BrokerProcess {
  /** For messages: which broker this is. */
  readonly name: string;
  /** host:port from the ready line. */
  readonly bootstrap: string;
  readonly exited: Promise<void>;
  running(): boolean;
  /** Sends `signal` without waiting: the caller times what follows. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves once the process has exited; rejects if it is still running after a minute. */
  exit(): Promise<void>;
  /** The last lines the process wrote (stdout and stderr). */
  tail(): string;
  /** CPU time (user + system) the process has used so far, in ms; null where /proc is not there (not Linux). */
  cpuMs(): Promise<number | null>;
}

/**
 * Runs `samsa broker` processes from the sources (`node --import tsx bin/samsa.ts broker`, as the integration
 * tests do, so no build step can go stale) and keeps track of them, so a failing benchmark can kill every one it
 * started. Separate processes, not brokers in the bench process: each broker gets its own event loop, as in any
 * deployment. Logs are JSON at warn level; each process's last lines and every error line are kept, the rest
 * dropped.
 */
export class BrokerProcesses {
  /** Every process started and not yet exited, with the promise of its exit. */
  readonly #live = new Map<ChildProcess, Promise<void>>();
  readonly #errors: string[] = [];

  /** Every line any of the processes logged at error level or above (pino level ≥ 50), prefixed with its name. */
  get errors(): readonly string[] {
    return this.#errors;
  }

  /** Starts a broker with `properties` as overrides; resolves on its ready line `samsa broker <id> listening on …`. */
  start(name: string, properties: Readonly<Record<string, string>>): Promise<BrokerProcess> {
    const args = ['--import', 'tsx', 'bin/samsa.ts', 'broker', '--log-level', 'warn', '--log-format', 'json'];
    for (const [key, value] of Object.entries(properties)) args.push('--override', `${key}=${value}`);
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.#live.set(child, exited);
    void exited.then(() => this.#live.delete(child));
    const lines: string[] = [];
    const tail = (): string => lines.join('\n');

    return new Promise((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} not ready within ${READY_TIMEOUT_MS} ms:\n${tail()}`));
      }, READY_TIMEOUT_MS);
      const onLine = (line: string): void => {
        lines.push(line);
        if (lines.length > TAIL_LINES) lines.shift();
        if (/"level":[56]\d/.test(line)) this.#errors.push(`${name}: ${line}`);
        const match = ready ? null : /^samsa broker -?\d+ listening on (\S+)/.exec(line);
        if (match === null) return;
        ready = true;
        clearTimeout(timer);
        resolve({
          name,
          bootstrap: match[1]!,
          exited,
          running: () => child.exitCode === null && child.signalCode === null,
          signal: (signal) => child.kill(signal),
          exit: () => awaitExit(exited, name, tail),
          tail,
          cpuMs: () => cpuMs(child.pid!),
        });
      };
      createInterface({ input: child.stdout }).on('line', onLine);
      createInterface({ input: child.stderr }).on('line', onLine);
      void exited.then(() => {
        clearTimeout(timer);
        if (!ready)
          reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail()}`));
      });
    });
  }

  /** SIGKILLs every process still running and waits for them to exit. */
  async killAll(): Promise<void> {
    await Promise.all(
      [...this.#live].map(async ([child, exited]) => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      }),
    );
  }
}

async function awaitExit(exited: Promise<void>, name: string, tail: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name} still running after ${EXIT_TIMEOUT_MS} ms:\n${tail()}`)),
      EXIT_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Linux reports process times in USER_HZ ticks, 100 a second on every architecture it supports. */
const MS_PER_TICK = 10;

async function cpuMs(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // the command name (field 2) may hold spaces: count fields from the ')' that closes it; utime and stime are 14, 15
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}
