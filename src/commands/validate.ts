/** `create-triton-model validate [path]`: find the model repository, check it, report like a compiler. */

import path from 'node:path';
import { EXIT, UserError, showValue } from '../ui/errors.js';
import { color } from '../ui/output.js';
import { checkRepository } from '../validate/model.js';
import { failed, findingFile, formatFinding, jsonReport, summaryLine, type Report } from '../validate/report.js';
import { locate, LocateError } from '../repository/locate.js';
import { readRepository } from '../repository/read.js';
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

/** A project (its models/ or model_repository/), a model repository, a model folder, or a model's config.pbtxt. */
export function resolveTarget(given: string, cwd: string): ValidateTarget {
  try {
    const located = locate(path.resolve(cwd, given), cwd);
    return located.kind === 'model' ? { repository: located.repository, only: located.model } : { repository: located.repository };
  } catch (error) {
    if (error instanceof LocateError) throw new UserError(`validate ${showValue(given)}: ${error.problem}`, EXIT.usage);
    throw error;
  }
}

export async function validateCommand(args: ValidateArgs): Promise<void> {
  const cwd = process.cwd();
  const target = resolveTarget(args.path ?? '.', cwd);
  const result = checkRepository(readRepository(target.repository, { deep: true }), target.only);
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
