/** `create-triton-model validate [path]`: find the model repository, check it, report like a compiler. */

import fs from 'node:fs';
import path from 'node:path';
import { EXIT, UserError, showValue } from '../ui/errors.js';
import { color } from '../ui/output.js';
import { checkRepository } from '../validate/model.js';
import { failed, findingFile, formatFinding, jsonReport, summaryLine, type Report } from '../validate/report.js';
import { brokenLink, readRepository } from '../validate/repository.js';
import { shownPath } from '../ui/paths.js';

export interface ValidateArgs {
  path?: string;
  strict: boolean;
  json: boolean;
}

export interface ValidateTarget {
  /** Absolute path of the model repository (a folder of model folders). */
  repository: string;
  /** Only this model folder is reported (a model folder or its config.pbtxt was given). */
  only?: string;
}

/** stat that answers undefined for anything that cannot be followed (missing, a link that loops, ...). */
const statOf = (p: string): fs.Stats | undefined => {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
};
const isDir = (p: string) => statOf(p)?.isDirectory() ?? false;
const isFile = (p: string) => statOf(p)?.isFile() ?? false;

/** A project (uses its models/ or model_repository/), a model repository, a model folder, or a model's config.pbtxt. */
export function resolveTarget(given: string, cwd: string): ValidateTarget {
  const absolute = path.resolve(cwd, given);
  const usage = (problem: string) => new UserError(`validate ${showValue(given)}: ${problem}`, EXIT.usage);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usage(brokenLink(absolute) ?? (code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file or folder' : `cannot be read (${code === 'EACCES' ? 'permission denied' : (error as Error).message})`));
  }
  if (stat.isFile()) {
    if (path.basename(absolute) === 'config.pbtxt') return { repository: path.dirname(path.dirname(absolute)), only: path.basename(path.dirname(absolute)) };
    throw usage('is a file (give a project folder, a model repository, or a model folder)');
  }
  if (!stat.isDirectory()) throw usage('is not a folder');
  if (isFile(path.join(absolute, 'config.pbtxt'))) return { repository: path.dirname(absolute), only: path.basename(absolute) };
  // A project keeps its repository in models/ (the Triton docs' examples in model_repository/).
  const inside = ['models', 'model_repository'].find((name) => isDir(path.join(absolute, name)));
  const repository = inside ? path.join(absolute, inside) : absolute;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(repository, { withFileTypes: true });
  } catch (error) {
    throw new UserError(`validate ${showValue(given)}: cannot read ${shownPath(repository, cwd)}: ${(error as Error).message}`);
  }
  if (!entries.some((entry) => entry.isDirectory() || (entry.isSymbolicLink() && isDir(path.join(repository, entry.name))))) {
    throw usage(`no model folders in ${shownPath(repository, cwd)} (a model repository holds one folder per model: <name>/config.pbtxt, <name>/1/model.py)`);
  }
  return { repository };
}

export async function validateCommand(args: ValidateArgs): Promise<void> {
  const cwd = process.cwd();
  const target = resolveTarget(args.path ?? '.', cwd);
  const result = checkRepository(readRepository(target.repository), target.only);
  const report: Report = { repository: shownPath(target.only ? path.join(target.repository, target.only) : target.repository, cwd), models: result.models, findings: result.findings, strict: args.strict };

  if (args.json) {
    process.stdout.write(`${JSON.stringify(jsonReport(report, target.repository, cwd), null, 2)}\n`);
  } else {
    const paint = { error: (s: string) => color.red(s), warning: (s: string) => color.yellow(s) };
    const lines = report.findings.map((finding) => formatFinding(finding, findingFile(finding, target.repository, cwd), paint));
    process.stdout.write([...lines, summaryLine(report)].join('\n') + '\n');
  }
  if (failed(report)) process.exitCode = EXIT.failed;
}
