import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { ESAV_BIN } from '../support/cli.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { spawnServe, type ServeProcess } from '../support/load.js';
import { workerExecArgv } from '../../src/cluster.js';

let serve: ServeProcess | undefined;
let db: TestDatabase | undefined;
let dir: string | undefined;

afterEach(async () => {
  await serve?.stop();
  await db?.drop();
  db = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  serve = undefined;
});

describe('the workers\' node flags', () => {
  it('add a 2 MB semi-space, one V8 background thread and a 1.5x old-generation growth unless the operator chose them', () => {
    expect(workerExecArgv([], '')).toEqual(['--max-semi-space-size=2', '--v8-pool-size=1', '--heap-growing-percent=50']);
    expect(workerExecArgv(['--enable-source-maps'], '--max-old-space-size=512')).toEqual(['--enable-source-maps', '--max-semi-space-size=2', '--v8-pool-size=1', '--heap-growing-percent=50']);
    expect(workerExecArgv([], '--max-semi-space-size=16')).toEqual(['--v8-pool-size=1', '--heap-growing-percent=50']);
    expect(workerExecArgv(['--semi-space-size=8'], '--v8-pool-size=4 --heap-growing-percent=20')).toEqual(['--semi-space-size=8']);
    expect(workerExecArgv(['--v8-pool-size=2', '--heap-growing-percent=0'], '')).toEqual(['--v8-pool-size=2', '--heap-growing-percent=0', '--max-semi-space-size=2']);
  });
});

describe('first start of several processes on a fresh database', () => {
  // Two processes creating the job queues at once deadlocked in PostgreSQL (40P01) and one died.
  it('both processes start on the first try, three fresh databases in a row', async () => {
    for (let round = 0; round < 3; round++) {
      db = await freshDatabase();
      dir = mkdtempSync(join(tmpdir(), 'esav-cluster-'));
      serve = await spawnServe({ DATABASE_URL: db.url, ESAV_CERTS_DIR: join(dir, 'certs'), ESAV_DATA_DIR: join(dir, 'data'), ESAV_PORT: '0', ESAV_ADMIN_PORT: '0', ESAV_WORKERS: '2', ESAV_MAINTENANCE_NIGHTLY: 'off' }, 2, 90_000);
      const trouble = serve.logs.filter((l) => /worker died|deadlock|"level":(50|60)/.test(l));
      expect(trouble).toEqual([]);
      if (round === 0) {
        // ESAV_WORKERS=2 is two processes in all: the first one (which binds the port) and one it forked.
        const pids = [...new Set(serve.logs.filter((l) => /listening/.test(l)).map((l) => (JSON.parse(l) as { pid: number }).pid))];
        expect(pids).toHaveLength(2);
        expect(pids).toContain(serve.child.pid);
        const groupPids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
          try {
            return readFileSync(`/proc/${n}/cmdline`, 'utf8').includes('esav.js') && readFileSync(`/proc/${n}/stat`, 'utf8').split(') ')[1]!.split(' ')[2] === String(serve!.child.pid);
          } catch {
            return false; // exited meanwhile
          }
        });
        expect(groupPids).toHaveLength(2);
        // Both run with the small young generation and one V8 background thread: the first from
        // the bin's shebang, the forked one from src/cluster.ts workerExecArgv.
        for (const pid of pids) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining(['--max-semi-space-size=2', '--v8-pool-size=1', '--heap-growing-percent=50']));
      }
      await serve.stop();
      serve = undefined;
      await db.drop();
      db = undefined;
      rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    }
  }, 300_000);
});

describe('a port already in use', () => {
  it('esav serve says which and exits 1, leaving nothing running', async () => {
    db = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'esav-cluster-'));
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const r = spawnSync(ESAV_BIN, ['serve'], {
        env: { ...process.env, DATABASE_URL: db.url, ESAV_CERTS_DIR: join(dir, 'certs'), ESAV_DATA_DIR: join(dir, 'data'), ESAV_HOST: '127.0.0.1', ESAV_PORT: String(port), ESAV_ADMIN_PORT: '0', ESAV_WORKERS: '2', ESAV_MAINTENANCE_NIGHTLY: 'off' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`esav serve: 127.0.0.1:${port} is already in use`);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      taken.close();
    }
  }, 90_000);
});
