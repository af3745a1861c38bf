import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from './broker-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 90_000;
const EXIT_TIMEOUT_MS = 60_000;
/** Lines of output kept in memory for failure messages (the whole output goes to the file). */
const TAIL_LINES = 400;

export type BrokerState = 'running' | 'paused' | 'stopped';

export interface BrokerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Incarnation {
  readonly child: ChildProcess;
  readonly exited: Promise<BrokerExit>;
  paused: boolean;
}

/**
 * One broker of a ClusterProcesses across its restarts: at most one `samsa broker` process at a time (run with
 * tsx), and everything every incarnation printed, appended to `outFile` with a marker line for each start, exit,
 * pause and resume, the last lines also kept in memory for failure messages.
 */
export class ClusterBroker {
  readonly id: number;
  readonly outFile: string;
  readonly #tail: string[] = [];
  #out: WriteStream | undefined;
  #proc: Incarnation | undefined;
  #starts = 0;

  constructor(id: number, outFile: string) {
    this.id = id;
    this.outFile = outFile;
  }

  get state(): BrokerState {
    return this.#proc === undefined ? 'stopped' : this.#proc.paused ? 'paused' : 'running';
  }

  /** Runs `samsa broker` with these properties; resolves on its ready line, rejects if it exits or hangs first. */
  async start(properties: Readonly<Record<string, string>>, logLevel: string): Promise<void> {
    if (this.#proc !== undefined) throw new Error(`broker ${this.id} is already running`);
    const args = ['--import', 'tsx', 'bin/samsa.ts', 'broker', '--log-level', logLevel, '--log-format', 'pretty'];
    for (const [key, value] of Object.entries(properties)) args.push('--override', `${key}=${value}`);
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    const start = ++this.#starts;
    const exited = new Promise<BrokerExit>((resolve) =>
      child.once('exit', (code, signal) => {
        this.#record(`=== broker ${this.id} (start #${start}) exited: ${signal ?? code}`);
        if (this.#proc?.child === child) this.#proc = undefined;
        resolve({ code, signal });
      }),
    );
    this.#proc = { child, exited, paused: false };
    this.#record(`=== broker ${this.id} start #${start} (pid ${child.pid})`);
    let ready = false;
    let partial = '';
    const onData = (d: Buffer): void => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        this.#record(line);
        if (!ready && line.includes(`samsa broker ${this.id} listening on`)) ready = true;
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    try {
      await Promise.race([
        waitFor(() => ready, READY_TIMEOUT_MS, `broker ${this.id} to print its ready line`),
        exited.then(({ code, signal }) => {
          if (!ready) throw new Error(`broker ${this.id} exited (${signal ?? code}) before it was ready`);
        }),
      ]);
    } catch (err) {
      if (this.#proc?.child === child) await this.kill('SIGKILL');
      throw err;
    }
  }

  /** Sends `signal` and waits for the process to exit (a paused one is continued, to act on it). */
  async kill(signal: NodeJS.Signals): Promise<BrokerExit> {
    const proc = this.#proc;
    if (proc === undefined) throw new Error(`broker ${this.id} is not running`);
    proc.child.kill(signal);
    if (proc.paused && signal !== 'SIGKILL') this.resume();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        proc.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`broker ${this.id} did not exit within ${EXIT_TIMEOUT_MS} ms of ${signal}`)),
            EXIT_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGSTOP: the process freezes with its connections and ZooKeeper session open. */
  pause(): void {
    if (this.#proc === undefined || this.#proc.paused) throw new Error(`broker ${this.id} is not running`);
    this.#proc.child.kill('SIGSTOP');
    this.#proc.paused = true;
    this.#record(`=== broker ${this.id} paused (SIGSTOP)`);
  }

  resume(): void {
    if (this.#proc === undefined || !this.#proc.paused) throw new Error(`broker ${this.id} is not paused`);
    this.#proc.child.kill('SIGCONT');
    this.#proc.paused = false;
    this.#record(`=== broker ${this.id} resumed (SIGCONT)`);
  }

  /** The last `lines` lines of output, across incarnations. */
  tail(lines: number): string[] {
    return this.#tail.slice(-lines);
  }

  /** Flushes and closes the output file. */
  close(): Promise<void> {
    const out = this.#out;
    return out === undefined ? Promise.resolve() : new Promise((resolve) => out.end(resolve));
  }

  #record(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.splice(0, this.#tail.length - TAIL_LINES);
    this.#out ??= createWriteStream(this.outFile, { flags: 'a' });
    this.#out.write(line + '\n');
  }
}
