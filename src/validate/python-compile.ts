/**
 * Python's own verdict on the syntax of the model files: every source is compiled (never run) by one
 * `python3` process, the one on PATH. Triton's stub imports model.py when it loads the model, so a
 * SyntaxError fails the load; the static scan of python-scan.ts cannot see most of them. Without a
 * python3 (or when it cannot answer in time) nothing is reported: the scan's findings stay.
 */

import { execFile } from 'node:child_process';

export interface SyntaxProblem {
  line: number;
  column: number;
  /** `SyntaxError: expected ':'`, as Python words it. */
  message: string;
}

const SCRIPT = `
import json, sys
sources = json.load(sys.stdin)
found = {}
for path, text in sources.items():
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as error:
        found[path] = {"line": error.lineno or 1, "column": error.offset or 1, "message": f"{type(error).__name__}: {error.msg}"}
    except ValueError as error:
        found[path] = {"line": 1, "column": 1, "message": f"ValueError: {error}"}
json.dump(found, sys.stdout)
`;

const TIMEOUT_MS = 30_000;

/** SyntaxErrors by the sources' keys; undefined when there is no python3 to ask. */
export function compilePythonSources(sources: ReadonlyMap<string, string>, python = 'python3'): Promise<Map<string, SyntaxProblem> | undefined> {
  if (sources.size === 0) return Promise.resolve(new Map());
  return new Promise((resolve) => {
    const child = execFile(python, ['-I', '-c', SCRIPT], { timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (error, stdout) => {
      try {
        if (error) throw error;
        resolve(new Map(Object.entries(JSON.parse(stdout) as Record<string, SyntaxProblem>)));
      } catch {
        resolve(undefined);
      }
    });
    child.stdin?.on('error', () => {
      // No interpreter: the callback resolves undefined.
    });
    child.stdin?.end(JSON.stringify(Object.fromEntries(sources)));
  });
}
