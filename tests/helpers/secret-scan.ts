// Finds secrets where a task run may have left them: its stdout (but the task.setsecret lines,
// which tell the agent what to mask and which the agent never shows), its stderr, and every file
// under the folders it wrote to. Secrets: the emulator's client secret, System.AccessToken,
// storage account key and certificate key lines, and anything shaped like a JWT or a SAS signature.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Emulator } from '../emulator';
import type { TaskRun } from './task-runner';

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;
const SAS = /[?&]sig=(?!\*\*\*)[^&\s"']+/;

/** Asserts no secret anywhere; returns how many task.setsecret lines the runs printed. */
export function assertNoSecrets(em: Emulator, runs: readonly { run: TaskRun; folders: readonly string[] }[]): number {
  const keyLines = em.ids.certificatePem.split(/-----BEGIN [A-Z ]*PRIVATE KEY-----/)[1].split('\n').map((l) => l.trim()).filter((l) => l.length >= 16 && !l.startsWith('-----'));
  assert.ok(keyLines.length > 0);
  const secrets = [em.ids.clientSecret, em.ids.systemAccessToken, em.blob.accountKey, ...keyLines];
  const check = (where: string, text: string) => {
    for (const s of secrets) assert.ok(!text.includes(s), `${where} holds a secret`);
    assert.doesNotMatch(text, JWT, `${where} holds a token`);
    assert.doesNotMatch(text, SAS, `${where} holds a SAS signature`);
  };
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) walk(file);
      else if (e.isFile() && statSync(file).size < 20_000_000) check(file, readFileSync(file, 'latin1'));
    }
  };
  let masked = 0;
  for (const { run, folders } of runs) {
    const lines = run.stdout.split(/\r?\n/);
    masked += lines.filter((l) => l.startsWith('##vso[task.setsecret]')).length;
    check('stdout', lines.filter((l) => !l.startsWith('##vso[task.setsecret]')).join('\n'));
    check('stderr', run.stderr);
    for (const folder of folders) if (existsSync(folder)) walk(folder);
  }
  return masked;
}
