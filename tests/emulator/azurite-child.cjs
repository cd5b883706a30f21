'use strict';
// Runs Azurite's blob service in this process and exits when the parent's stdin pipe closes, so
// no Azurite outlives the emulator that started it (even when that process is killed).
// It also removes the emulator's temporary folder (CA, service principal PEM), which a killed
// emulator could not.
const fs = require('node:fs');
function parentGone() {
  const dir = process.env.MLSTEPS_EMULATOR_TMP;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
process.stdin.on('end', parentGone);
process.stdin.on('close', parentGone);
process.stdin.on('error', parentGone);
process.stdin.resume();
require(process.env.MLSTEPS_AZURITE_MAIN);
