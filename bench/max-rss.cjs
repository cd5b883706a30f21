// Preloaded into a measured Node process (`node --require bench/max-rss.cjs …`) by bench/lib.ts:
// when the process exits, it writes its peak resident set size (getrusage ru_maxrss, in KiB on
// Linux and macOS) to the file named by MLSTEPS_BENCH_MAXRSS_FILE. Node gives a parent no rusage
// of a child it spawned, and /usr/bin/time is not on every machine; this works wherever Node does.
'use strict';
const file = process.env.MLSTEPS_BENCH_MAXRSS_FILE;
if (file) {
  // The measured program must not see the variable (nor pass it to its own children).
  delete process.env.MLSTEPS_BENCH_MAXRSS_FILE;
  process.on('exit', () => {
    require('node:fs').writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
