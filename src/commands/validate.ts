/** `create-triton-model validate [path]`: find the model repository (src/repository/), check it (src/validate/), report like a compiler. */

import path from 'node:path';
import type { CommandModule } from 'yargs';
import { EXIT, UserError, showValue } from '../ui/errors.js';
import { color } from '../ui/output.js';
import { locate, LocateError } from '../repository/locate.js';
import { shownPath } from '../ui/paths.js';
import type { Report } from '../validate/report.js';
import { asOne } from './args.js';

export interface ValidateArgs {
  path?: string;
  strict: boolean;
  json: boolean;
}

export const validateCommandModule: CommandModule = {
  command: 'validate [path]',
  describe: 'Check a model repository the way Triton loads it: config.pbtxt, version folders, model.py',
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: 'A project (its models/), a model repository, one model folder or its config.pbtxt [default: .]' })
      .option('strict', { type: 'boolean', default: false, describe: 'Warnings fail the check too (exit 1)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the findings as one JSON object' })
      .example('$0 validate', 'the project or repository in the current folder')
      .example('$0 validate my-project --strict', 'fail on warnings too (CI)')
      .epilogue('Exit codes: 0 no errors (warnings allowed unless --strict), 1 errors found, 2 usage error (no such folder, a symbolic link that loops or points nowhere, no models).'),
  handler: (args) => validateCommand({ path: asOne(args.path, 'path'), strict: Boolean(args.strict), json: Boolean(args.json) }),
};

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
  // The rules are loaded when they run, not with the CLI.
  const [{ readRepository }, { checkRepository }, { failed, findingFile, formatFinding, jsonReport, summaryLine }] = await Promise.all([
    import('../repository/read.js'),
    import('../validate/model.js'),
    import('../validate/report.js'),
  ]);
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
