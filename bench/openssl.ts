/**
 * `openssl s_server`, the reference of the handshake rows: the gateway's server certificate and
 * key, client certificate required (-Verify 1) and verified against the same client CA, a refused
 * certificate ending the connection (-verify_return_error), TLS 1.2 minimum, no tickets and no
 * session cache (as the gateway). -WWW answers `GET /<file>` with that file of its folder.
 * One process, one connection at a time (s_server serves connections in turn).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { BenchPki } from './tls.js';
import { HANDSHAKE_PATH } from './scenarios.js';

/** `openssl version`, or undefined when there is no openssl on the PATH. */
export function opensslVersion(): string | undefined {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  // "OpenSSL 3.0.19 27 Jan 2026 (Library: ...)": the name and version are enough.
  return r.status === 0 ? r.stdout.trim().split(/\s+/).slice(0, 2).join(' ') : undefined;
}

export function opensslArgs(pki: BenchPki, port: number): string[] {
  return [
    's_server',
    '-quiet',
    '-accept', `127.0.0.1:${port}`,
    '-cert', pki.serverCert,
    '-key', pki.serverKey,
    '-CAfile', pki.clientCa,
    '-Verify', '1',
    '-verify_return_error',
    '-min_protocol', 'TLSv1.2',
    '-no_ticket',
    '-no_cache',
    '-WWW',
  ];
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts s_server on 127.0.0.1:port in `dir` (where the file the handshake rows ask for is
 * written); resolves once it accepts TCP connections. The caller stops it (SIGTERM).
 */
export async function startOpensslServer(pki: BenchPki, port: number, dir: string): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, HANDSHAKE_PATH.slice(1)), 'ok\n');
  const child = spawn('openssl', opensslArgs(pki, port), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const errTail: string[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    errTail.push(d.toString());
    if (errTail.length > 20) errTail.shift();
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`openssl s_server exited (${child.exitCode ?? child.signalCode}): ${errTail.join('').slice(-800)}`);
    if (await accepts(port)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`openssl s_server did not listen on 127.0.0.1:${port} in 10 s: ${errTail.join('').slice(-800)}`);
}
