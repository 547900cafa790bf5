/**
 * Preloaded into the gateway only when BENCH_GATEWAY_CPU_PROF=<dir> is set (node refuses
 * --cpu-prof in NODE_OPTIONS, but accepts --import): samples the whole process with the
 * inspector's profiler and writes <dir>/gateway-<pid>.cpuprofile when the process exits
 * (the gateway exits through process.exit after SIGTERM). The cluster workers inherit NODE_OPTIONS,
 * so there is one file per gateway process (the primary's is nearly idle). Open them in Chrome
 * DevTools or speedscope.
 */
import inspector from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.ESAV_BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // The in-process session answers synchronously, so this works inside 'exit'.
    session.post('Profiler.stop', (err, res) => {
      if (err || !res) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `gateway-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
