// Starts the Azure ML emulator of the tests by hand: `npm run emulator -- --port 8443 [--record FILE]`.
// It runs tests/emulator/cli.ts with tsx in a child process and stops it (and Azurite) on Ctrl-C.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tests', 'emulator', 'cli.ts'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // Ctrl-C reaches the child too (same process group); a kill of this process alone must as well.
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
