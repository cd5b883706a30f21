import { spawn } from 'node:child_process';

/**
 * One Python subprocess that tells, for an interpreter:
 * - which interpreter it really is (`sys.executable`, version);
 * - which modules the step's script imports, following the code folder's own modules, and
 *   whether each import is required or optional (inside `try: … except ImportError`);
 * - which of the given modules import (`check`: really imported, so a broken install shows) or
 *   are at least installed (`find`: located without running them).
 */
const PROBE = String.raw`
import ast, json, os, sys
req = json.loads(sys.stdin.read())
real_stdout = sys.stdout
sys.stdout = sys.stderr
out = {"executable": sys.executable, "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
       "imports": {}, "results": {}, "found": {}, "problems": []}
std = set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names) | {"__future__"}
NAMESPACES = {"google", "azure", "mysql", "ruamel", "jaraco", "backports"}
code_dir = req.get("codeDir")
seen = {}

def catches_import_error(handlers):
    for h in handlers:
        if h.type is None:
            return True
        types = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
        for t in types:
            if isinstance(t, ast.Name) and t.id in ("ImportError", "ModuleNotFoundError", "Exception", "BaseException"):
                return True
    return False

def local_module(name, here):
    parts = name.split(".")
    for base in (here, code_dir):
        if not base:
            continue
        p = os.path.join(base, *parts)
        for f in (p + ".py", os.path.join(p, "__init__.py")):
            if os.path.isfile(f):
                return f
        if os.path.isdir(p):
            return p
    return None

def record(name, optional, here):
    if not name:
        return
    parts = name.split(".")
    local = local_module(parts[0], here)
    if local:
        if local.endswith(".py"):
            visit(local, optional)
        sub = local_module(name, here)
        if sub and sub != local and sub.endswith(".py"):
            visit(sub, optional)
        return
    if parts[0] in std:
        return
    top = ".".join(parts[:2]) if parts[0] in NAMESPACES and len(parts) > 1 else parts[0]
    kind = "optional" if optional else "required"
    if out["imports"].get(top) != "required":
        out["imports"][top] = kind

def walk(node, optional, here, path):
    if isinstance(node, ast.Import):
        for a in node.names:
            record(a.name, optional, here)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = os.path.dirname(path)
            for _ in range(node.level - 1):
                base = os.path.dirname(base)
            target = os.path.join(base, *(node.module or "").split(".")) if node.module else base
            for f in (target + ".py", os.path.join(target, "__init__.py")):
                if os.path.isfile(f):
                    visit(f, optional)
            if not node.module:
                for a in node.names:
                    f = os.path.join(base, a.name + ".py")
                    if os.path.isfile(f):
                        visit(f, optional)
        else:
            record(node.module, optional, here)
    elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        inner = optional or catches_import_error(node.handlers)
        for n in node.body:
            walk(n, inner, here, path)
        for n in node.handlers + node.orelse + node.finalbody:
            walk(n, optional, here, path)
        return
    for child in ast.iter_child_nodes(node):
        walk(child, optional, here, path)

def visit(path, optional):
    path = os.path.abspath(path)
    if seen.get(path) is False or seen.get(path) == optional:
        return
    seen[path] = optional
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except Exception as e:
        out["problems"].append("%s: %s" % (path, e))
        return
    walk(tree, optional, os.path.dirname(path), path)

if req.get("script"):
    visit(req["script"], False)
    out["analysed"] = not out["problems"]

import importlib, importlib.util
check = list(req.get("check", []))
find = list(req.get("find", []))
declared = req.get("declared", [])
if out.get("analysed"):
    check += [m for m, kind in out["imports"].items() if kind == "required"]
    find += [m for m, kind in out["imports"].items() if kind == "optional"]
    find += [d for d in declared if d not in out["imports"]]
else:
    check += declared
check = list(dict.fromkeys(check))
find = [f for f in dict.fromkeys(find) if f not in check]
for name in check:
    try:
        module = importlib.import_module(name)
        out["results"][name] = {"ok": True, "version": str(getattr(module, "__version__", "") or "")}
    except BaseException as e:
        out["results"][name] = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
for name in find:
    try:
        out["found"][name] = importlib.util.find_spec(name) is not None
    except BaseException:
        out["found"][name] = False
real_stdout.write("\n@@mlsteps-probe@@" + json.dumps(out) + "\n")
`;

export interface ProbeRequest {
  /** The step's entry script (absolute), to analyse its imports. */
  script?: string;
  /** The code folder (absolute): its modules are the step's own, not packages. */
  codeDir?: string;
  /** Modules to import. */
  check?: string[];
  /** Modules only to locate. */
  find?: string[];
  /**
   * Modules the environment declares: imported when the script imports them (or cannot be
   * analysed), else only located.
   */
  declared?: string[];
}

export interface ProbeResult {
  executable: string;
  version: string;
  /** Modules the script imports (outside the standard library and the code folder). */
  imports: Record<string, 'required' | 'optional'>;
  /** Whether the script was analysed (found and parsed, with every local module). */
  analysed?: boolean;
  results: Record<string, { ok: true; version: string } | { ok: false; error: string }>;
  found: Record<string, boolean>;
  problems: string[];
}

export class ProbeError extends Error {
  override name = 'ProbeError';
}

/** Runs the probe with `python` (a command on PATH or a path). Throws ProbeError when it cannot run. */
export function probePython(python: string, request: ProbeRequest, options: { env?: NodeJS.ProcessEnv; cwd: string; abortSignal?: AbortSignal }): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', PROBE], { cwd: options.cwd, env: { ...(options.env ?? process.env), PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    const onAbort = () => child.kill('SIGKILL');
    options.abortSignal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      options.abortSignal?.removeEventListener('abort', onAbort);
      reject(new ProbeError(err.code === 'ENOENT' ? `${python}: not found` : `${python}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      options.abortSignal?.removeEventListener('abort', onAbort);
      const at = stdout.lastIndexOf('@@mlsteps-probe@@');
      if (at < 0) {
        const last = stderr.trim().split('\n').slice(-3).join(' / ');
        reject(new ProbeError(`${python} did not run the package check (exit ${code})${last ? `: ${last}` : ''}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.slice(at + '@@mlsteps-probe@@'.length)) as ProbeResult);
      } catch (err) {
        reject(new ProbeError(`${python}: unreadable package check output (${(err as Error).message})`));
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(request));
  });
}
