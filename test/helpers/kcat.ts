import { spawn } from 'node:child_process';

/** Runs kcat (librdkafka) with `args`, feeding `input` on stdin; resolves with stdout, rejects on a non-zero exit. */
export function kcat(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`kcat exited ${code}: ${err}`))));
    child.stdin.end(input ?? '');
  });
}

/** Every record of `topic` as `key=value` lines, read by kcat from the beginning of every partition. */
export async function kcatConsumeAll(bootstrap: string, topic: string): Promise<string[]> {
  const out = await kcat(['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n']);
  return out.split('\n').filter((l) => l !== '');
}
