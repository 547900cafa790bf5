import { spawnSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { existsSync } from 'node:fs';

function root(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
}
export const PROJECT_ROOT = root();
export const ESAV_BIN = join(PROJECT_ROOT, 'bin', 'esav.js');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `esav` command, as ops would, with the given environment. */
export function esav(env: NodeJS.ProcessEnv, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [ESAV_BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function esavOk(env: NodeJS.ProcessEnv, ...args: string[]): string {
  const r = esav(env, ...args);
  if (r.status !== 0) throw new Error(`esav ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The same, without blocking this process: for commands that talk to a server the test runs (e.g. its SMTP server). */
export function esavAsync(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ESAV_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** Calls fn with each complete line the stream writes (a gateway's JSON log lines). */
export function eachLine(stream: NodeJS.ReadableStream, fn: (line: string) => void): void {
  let buf = '';
  stream.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      fn(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

/**
 * Starts `esav serve` (or `args`, e.g. serve --integration) as a child process, as ops run it (the
 * bin itself, so with its shebang's node flags); resolves once it logs that it listens.
 */
export function spawnGateway(env: NodeJS.ProcessEnv, args: string[] = ['serve']): Promise<{ child: ChildProcess; port: number; logs: string[] }> {
  const child = spawn(ESAV_BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${logs.join('\n')}`)), 60_000);
    eachLine(child.stdout!, (line) => {
      logs.push(line);
      if (line.includes('e-SAV gateway listening')) {
        clearTimeout(timer);
        resolve({ child, port: JSON.parse(line).port, logs });
      }
    });
    child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}: ${logs.join('\n')}`));
    });
  });
}
