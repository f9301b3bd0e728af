/**
 * Which Python runs the models, and whether it can: the project's .venv when there is one, else
 * --python, else python3. Before any model loads, templates/serve/preflight.py checks in that
 * interpreter that numpy imports and that every module each model.py imports at its top level can
 * be found; what is missing is reported with how to install it, not as a traceback.
 */

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseRequirementsFile, requirementProject } from '../model-spec/fields.js';
import { showValue, UserError } from '../ui/errors.js';
import { shownPath } from '../ui/paths.js';
import { shellQuote } from '../ui/shell.js';

export interface PythonChoice {
  python: string;
  /** Why this one, for the startup line. */
  source: string;
  /** It is the project's .venv: installing means that venv's pip. */
  isProjectVenv: boolean;
}

export function projectVenvPython(projectDir: string): string {
  return process.platform === 'win32' ? path.join(projectDir, '.venv', 'Scripts', 'python.exe') : path.join(projectDir, '.venv', 'bin', 'python');
}

export function choosePython(projectDir: string, flag: string | undefined): PythonChoice {
  const venv = projectVenvPython(projectDir);
  if (fs.existsSync(venv)) {
    return { python: venv, source: flag === undefined ? "the project's .venv" : "the project's .venv (it comes before --python)", isProjectVenv: true };
  }
  if (flag !== undefined) return { python: flag, source: '--python', isProjectVenv: false };
  return { python: 'python3', source: 'python3 on PATH: no .venv in the project, no --python', isProjectVenv: false };
}

export interface MissingModule {
  module: string;
  file: string;
  line: number;
}

export interface PreflightReport {
  python: string;
  executable: string;
  numpy: string | null;
  numpy_error: string | null;
  /** Model name -> modules its model.py imports that this Python cannot find. */
  missing: Record<string, MissingModule[]>;
}

/** Run preflight.py with `python`; a Python that cannot run at all is the user's to fix. */
export function runPreflight(choice: PythonChoice, script: string, models: { name: string; files: string[] }[]): Promise<PreflightReport> {
  const flagged = choice.source === '--python' ? `--python ${showValue(choice.python)}` : showValue(choice.python);
  return new Promise((resolve, reject) => {
    const child = execFile(choice.python, [script], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new UserError(`${flagged}: not found (give the path of a Python 3 with --python, or create the project's .venv)`));
        return;
      }
      try {
        if (error) throw error;
        resolve(JSON.parse(stdout) as PreflightReport);
      } catch {
        const detail = String(stderr).trim().split('\n').slice(-3).join(' | ') || (error as Error | null)?.message || 'no answer';
        reject(new UserError(`${flagged}: cannot run the import check (${detail})`));
      }
    });
    child.stdin?.on('error', () => {
      // The interpreter did not start: the callback reports it.
    });
    child.stdin?.end(JSON.stringify({ models }));
  });
}

/** Import names whose pip package is called something else. */
const PIP_NAMES: Record<string, string> = {
  cv2: 'opencv-python-headless',
  PIL: 'Pillow',
  yaml: 'PyYAML',
  sklearn: 'scikit-learn',
  skimage: 'scikit-image',
  google: 'protobuf',
  bs4: 'beautifulsoup4',
  attr: 'attrs',
  dateutil: 'python-dateutil',
  jwt: 'PyJWT',
  Crypto: 'pycryptodome',
  onnxruntime: 'onnxruntime',
};

export const pipNameOf = (module: string) => PIP_NAMES[module] ?? module;

function requirementNames(projectDir: string): Set<string> | undefined {
  const file = path.join(projectDir, 'requirements.txt');
  if (!fs.existsSync(file)) return undefined;
  return new Set(parseRequirementsFile(fs.readFileSync(file, 'utf8')).map((entry) => requirementProject(entry.requirement)));
}

/**
 * How to install `packages` into the Python serve uses: the project's requirements into its .venv
 * (serve picks .venv up by itself), or the packages with that interpreter's pip.
 */
export function installAdvice(choice: PythonChoice, projectDir: string, cwd: string, packages: string[]): string[] {
  const at = (file: string) => shellQuote(shownPath(path.join(projectDir, file), cwd));
  const requirements = requirementNames(projectDir);
  const constraints = fs.existsSync(path.join(projectDir, 'constraints.txt')) ? ` -c ${at('constraints.txt')}` : '';
  const venvPip = `${at(process.platform === 'win32' ? '.venv/Scripts/pip' : '.venv/bin/pip')}`;
  const lines: string[] = [];
  const unlisted = requirements ? packages.filter((name) => name !== 'numpy' && !requirements.has(requirementProject(name))) : [];
  if (unlisted.length > 0) lines.push(`not in requirements.txt (the image needs them too): ${unlisted.join(', ')}`);
  if (choice.isProjectVenv) {
    lines.push(requirements ? `install them: ${venvPip} install -r ${at('requirements.txt')}${constraints}` : `install them: ${venvPip} install ${packages.join(' ')}`);
    if (requirements && unlisted.length > 0) lines.push(`or: ${venvPip} install ${unlisted.join(' ')}`);
  } else {
    const python = shellQuote(choice.python);
    const venv = `${choice.python === 'python3' ? 'python3' : python} -m venv ${at('.venv')}`;
    lines.push(
      requirements
        ? `install them: ${venv} && ${venvPip} install -r ${at('requirements.txt')}${constraints}   (serve then uses .venv by itself)`
        : `install them: ${python} -m pip install ${packages.join(' ')}`,
    );
  }
  return lines;
}

/** The message for modules a model cannot import: which, where, and how to install them. */
export function describeMissing(entries: MissingModule[], cwd: string): string {
  return entries.map((entry) => `${entry.module} (${shownPath(entry.file, cwd)} line ${entry.line}${pipNameOf(entry.module) !== entry.module ? `; pip package ${pipNameOf(entry.module)}` : ''})`).join(', ');
}

/**
 * The image pins numpy<2 (constraints.txt: its Python backend is built against numpy 1); a local
 * numpy 2 may behave differently, so say so. Undefined when they agree or nothing is pinned.
 */
export function numpyMismatch(numpyVersion: string, projectDir: string): string | undefined {
  const constraints = path.join(projectDir, 'constraints.txt');
  if (!fs.existsSync(constraints) || Number.parseInt(numpyVersion, 10) < 2) return undefined;
  if (!/^\s*numpy\s*<\s*2(\.0)*\s*(#.*)?$/m.test(fs.readFileSync(constraints, 'utf8'))) return undefined;
  return `numpy ${numpyVersion} in this Python, but constraints.txt keeps the image at numpy<2: results may differ from the real server`;
}
