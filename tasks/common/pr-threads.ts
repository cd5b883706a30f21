// Pull-request threads for validation problems: one thread per problem on its file and line, kept
// in step with the latest validation — created, moved, reopened, closed. Pure logic over a small
// client interface; the Azure DevOps REST adapter is pr-threads-client.ts.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { DIAGNOSTIC_CODES } from '../../src/model/codes';
import type { Diagnostic, ValidationResult } from '../../src/model/diagnostic';

/** The thread property that marks a thread as ours and says which problem it is about. */
export const FINGERPRINT_PROPERTY = 'mlsteps.fingerprint';

/** Where the docs of each diagnostic code live; the anchor is the code's heading there. */
export const DIAGNOSTICS_DOC_URL = 'https://github.com/mlsteps/mlsteps/blob/main/docs/diagnostics.md';

export type ThreadStatus = 'active' | 'pending' | 'fixed' | 'wontFix' | 'closed' | 'byDesign' | 'unknown';

/** A position in the pull request's right-hand (new) file. `line` 0 means the file as a whole. */
export interface ThreadLocation {
  /** Repository-relative, with a leading `/` and forward slashes, as Azure Repos names files. */
  filePath: string;
  /** 1-based; 0 for a problem about the whole file. */
  line: number;
  /** 1-based. */
  column: number;
}

/** One validation problem as a thread should show it. */
export interface Problem {
  /** Stable across runs while the problem stays (code, file and message; not the line). */
  fingerprint: string;
  /** Absent when the file is not in the pull request's repository: the thread is then PR-wide. */
  location?: ThreadLocation;
  /** The opening comment, markdown. */
  content: string;
}

export interface ThreadDraft {
  fingerprint: string;
  location?: ThreadLocation;
  content: string;
}

/** A thread already on the pull request, as much of it as the sync needs. */
export interface ExistingThread {
  id: number;
  status: ThreadStatus;
  /** Set only on threads this task created. */
  fingerprint?: string;
  location?: ThreadLocation;
  /** The opening comment (ours, on threads we created). */
  firstComment?: { id: number; content: string };
  isDeleted?: boolean;
}

export interface ThreadChange {
  status?: 'active' | 'fixed';
  location?: ThreadLocation;
}

/** The pull request's threads, through whatever speaks to Azure DevOps. */
export interface PullRequestThreadClient {
  listThreads(): Promise<ExistingThread[]>;
  createThread(draft: ThreadDraft): Promise<void>;
  updateThread(threadId: number, change: ThreadChange): Promise<void>;
  addComment(threadId: number, content: string): Promise<void>;
  editComment(threadId: number, commentId: number, content: string): Promise<void>;
}

export interface SyncNotes {
  /** The short comment added to a thread whose problem is gone. */
  fixed: string;
  /** The short comment added to a thread whose problem came back. */
  reopened: string;
}

export interface SyncReport {
  created: number;
  /** Moved to another line, or its text changed. */
  updated: number;
  reopened: number;
  closed: number;
  unchanged: number;
}

/** Statuses that mean "someone (or this task) considered it done", so a recurrence reopens it. */
const REOPENABLE: ReadonlySet<ThreadStatus> = new Set(['fixed', 'closed']);
/** Statuses in which a problem is still shown as open, so a gone problem closes it. */
const OPEN: ReadonlySet<ThreadStatus> = new Set(['active', 'pending', 'unknown']);

/**
 * Brings the pull request's threads in step with `problems`: a new thread for each new problem,
 * an update (location, text, status) for each problem that already has one, and Fixed for our
 * open threads whose problem is gone. Threads marked "won't fix" or "by design" keep the
 * reviewer's decision. Threads without our fingerprint are never touched.
 */
export async function syncThreads(problems: Problem[], client: PullRequestThreadClient, notes: SyncNotes): Promise<SyncReport> {
  const report: SyncReport = { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 0 };
  const ours = new Map<string, ExistingThread>();
  const surplus: ExistingThread[] = [];
  const threads = (await client.listThreads()).filter((t) => t.fingerprint && !t.isDeleted).sort((a, b) => a.id - b.id);
  for (const thread of threads) {
    // Two threads for one problem (two builds racing): the older one stays, the other is closed.
    if (ours.has(thread.fingerprint!)) surplus.push(thread);
    else ours.set(thread.fingerprint!, thread);
  }

  const current = new Set<string>();
  for (const problem of problems) {
    current.add(problem.fingerprint);
    const thread = ours.get(problem.fingerprint);
    if (!thread) {
      await client.createThread({ fingerprint: problem.fingerprint, location: problem.location, content: problem.content });
      report.created++;
      continue;
    }
    const change: ThreadChange = {};
    const reopen = REOPENABLE.has(thread.status);
    if (reopen) change.status = 'active';
    if (problem.location && !sameLocation(thread.location, problem.location)) change.location = problem.location;
    if (change.status || change.location) await client.updateThread(thread.id, change);
    if (reopen) await client.addComment(thread.id, notes.reopened);
    const rewrite = thread.firstComment !== undefined && thread.firstComment.content !== problem.content;
    if (rewrite) await client.editComment(thread.id, thread.firstComment!.id, problem.content);
    if (reopen) report.reopened++;
    else if (change.location || rewrite) report.updated++;
    else report.unchanged++;
  }

  const gone = [...ours.values()].filter((t) => !current.has(t.fingerprint!));
  for (const thread of [...gone, ...surplus]) {
    if (!OPEN.has(thread.status)) continue;
    await client.updateThread(thread.id, { status: 'fixed' });
    await client.addComment(thread.id, notes.fixed);
    report.closed++;
  }
  return report;
}

function sameLocation(a: ThreadLocation | undefined, b: ThreadLocation): boolean {
  return a !== undefined && a.filePath === b.filePath && a.line === b.line && a.column === b.column;
}

/**
 * One Problem per diagnostic. `repositoryRoot` is the local folder of the pull request's
 * repository: files inside it get a thread on their line; anything else (a path outside it, or no
 * file) gets a pull-request-wide thread that names the file.
 */
export function problemsFromDiagnostics(result: ValidationResult, repositoryRoot: string): Problem[] {
  const seen = new Map<string, number>();
  return result.diagnostics.map((d) => {
    const absolute = d.file ? path.resolve(result.base, d.file) : undefined;
    const relative = absolute === undefined ? undefined : path.relative(repositoryRoot, absolute);
    const inRepository = relative !== undefined && relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
    const filePath = inRepository ? '/' + relative.split(path.sep).join('/') : undefined;
    const location = filePath === undefined ? undefined : { filePath, line: Math.max(0, d.line), column: Math.max(1, d.column) };

    // The line is left out on purpose, so a problem that moves keeps its thread. The same problem
    // twice in one file (same code and message) is told apart by its order of appearance.
    const key = [d.code, filePath ?? d.file, d.message].join('\n');
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    const fingerprint = sha256(occurrence === 1 ? key : `${key}\n#${occurrence}`);
    return { fingerprint, location, content: commentContent(d, location ? undefined : (filePath ?? d.file)) };
  });
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 40);
}

/** The opening comment: severity and code, the message, the hint, and the code's docs. */
export function commentContent(d: Diagnostic, unanchoredFile?: string): string {
  const title = DIAGNOSTIC_CODES[d.code]?.title;
  const lines = [`**${d.severity === 'error' ? 'Error' : 'Warning'} ${d.code}**: ${escapeMarkdown(d.message)}`];
  // A thread that cannot sit on the file (outside this repository) says where the problem is.
  if (unanchoredFile) lines.push('', `In \`${unanchoredFile.replaceAll('`', "'")}\`${d.line > 0 ? `, line ${d.line}, column ${d.column}` : ''}.`);
  if (d.hint) lines.push('', `Hint: ${escapeMarkdown(d.hint)}`);
  lines.push('', `[${d.code}${title ? ` — ${escapeMarkdown(stripBackticks(title))}` : ''}](${diagnosticDocsUrl(d.code)}) · reported by MLStepsValidate@1`);
  return lines.join('\n');
}

/** docs/diagnostics.md#<anchor>, the anchor formed from the heading as scripts/docs-diagnostics does. */
export function diagnosticDocsUrl(code: string): string {
  const title = (DIAGNOSTIC_CODES as Record<string, { title: string } | undefined>)[code]?.title;
  return title === undefined ? DIAGNOSTICS_DOC_URL : `${DIAGNOSTICS_DOC_URL}#${headingAnchor(`${code} — ${stripBackticks(title)}`)}`;
}

/** GitHub's heading anchor (lower case, punctuation dropped, spaces to dashes). */
export function headingAnchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

function stripBackticks(text: string): string {
  return text.replaceAll('`', '');
}

/**
 * Messages quote repository content (keys, values, paths). Escaped so that it shows as written:
 * no links, images, HTML, emphasis, and no `#123` / `!123` / `@<id>` work-item, PR or identity
 * mentions, which Azure DevOps would otherwise resolve.
 */
export function escapeMarkdown(text: string): string {
  // Only what is markup mid-line: the text never starts a line, so list and heading markers at a
  // line start (`-`, `+`, `1.`) cannot occur, and `(` only links after a `]`, which is escaped.
  return text.replace(/[\\`*_[\]<>#!|~@]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}
