// Runs `runCommand` (what `mlsteps run` calls) in this process, as the CLI would:
//   node --import tsx tests/helpers/local-run.ts '<RunCommandOptions as JSON>'
// Used by the tests that signal a real process (SIGINT), and handy by hand.
import { runCommand } from '../../src/run/command';

const options = JSON.parse(process.argv[2] ?? '{}');
runCommand(options, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), isTTY: false }).then((code) => {
  process.exitCode = code;
});
