/** `create-triton-model validate [path]`: find the model repository (src/repository/), check it (src/validate/), report like a compiler. */

import fs from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { EXIT, UserError, showValue } from '../ui/errors.js';
import { color, writeStdout } from '../ui/output.js';
import { locate, LocateError, REPOSITORY_FOLDERS } from '../repository/locate.js';
import { DEFAULT_TRITON_VERSION } from '../model-spec/releases.js';
import { InvalidValue, parseTritonVersion } from '../model-spec/fields.js';
import { shownPath } from '../ui/paths.js';
import type { Report } from '../validate/report.js';
import { asOne } from './args.js';

export interface ValidateArgs {
  path?: string;
  strict: boolean;
  json: boolean;
  /** Triton's own flag: no config built for a model without config.pbtxt, no auto_complete_config. */
  disableAutoCompleteConfig: boolean;
  tritonVersion?: string;
}

export const validateCommandModule: CommandModule = {
  command: 'validate [path]',
  describe: 'Check a model repository the way Triton loads it: config.pbtxt, version folders, model.py',
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: 'A project (its models/), a model repository, one model folder or its config.pbtxt [default: .]' })
      .option('strict', { type: 'boolean', default: false, describe: 'Warnings fail the check too (exit 1)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the findings as one JSON object' })
      .option('disable-auto-complete-config', {
        type: 'boolean',
        default: false,
        describe: "Check as Triton started with this flag loads: config.pbtxt required, model.py's auto_complete_config not called",
      })
      .option('triton-version', { type: 'string', describe: `NGC release YY.MM Triton runs: its config fields and backends [default: the project's Dockerfile FROM tag, else ${DEFAULT_TRITON_VERSION}]` })
      .example('$0 validate', 'the project or repository in the current folder')
      .example('$0 validate my-project --strict', 'fail on warnings too (CI)')
      .epilogue('Exit codes: 0 no errors (warnings allowed unless --strict), 1 errors found, 2 usage error (no such folder, a symbolic link that loops or points nowhere, no models).'),
  handler: (args) =>
    validateCommand({
      path: asOne(args.path, 'path'),
      strict: Boolean(args.strict),
      json: Boolean(args.json),
      disableAutoCompleteConfig: Boolean(args.disableAutoCompleteConfig),
      tritonVersion: asOne(args.tritonVersion, 'triton-version'),
    }),
};

export interface ValidateTarget {
  /** Absolute path of the model repository (a folder of model folders). */
  repository: string;
  /** Only this model folder is reported (a model folder or its config.pbtxt was given). */
  only?: string;
  /** The project holding the repository, when the path was one. */
  project?: string;
}

/** A project (its models/ or model_repository/), a model repository, a model folder, or a model's config.pbtxt. */
export function resolveTarget(given: string, cwd: string): ValidateTarget {
  try {
    const located = locate(path.resolve(cwd, given), cwd);
    if (located.kind === 'model') {
      // A model folder of a project's models/: the project's Dockerfile still says the release.
      const parent = path.dirname(located.repository);
      const inProject = (REPOSITORY_FOLDERS as readonly string[]).includes(path.basename(located.repository));
      return { repository: located.repository, only: located.model, ...(inProject ? { project: parent } : {}) };
    }
    return located.kind === 'project' ? { repository: located.repository, project: located.project } : { repository: located.repository };
  } catch (error) {
    if (error instanceof LocateError) throw new UserError(`validate ${showValue(given)}: ${error.problem}`, EXIT.usage);
    throw error;
  }
}

/** The release validate checks for: --triton-version, else the project's Dockerfile FROM tag, else the newest known. */
function targetRelease(flag: string | undefined, project: string | undefined, baseImageVersion: (dockerfile: string) => string | undefined): string {
  if (flag !== undefined) {
    try {
      return parseTritonVersion(flag);
    } catch (error) {
      if (error instanceof InvalidValue) throw new UserError(`--triton-version ${showValue(flag)}: ${error.message}`, EXIT.usage);
      throw error;
    }
  }
  if (project !== undefined) {
    try {
      const fromLine = baseImageVersion(fs.readFileSync(path.join(project, 'Dockerfile'), 'utf8'));
      if (fromLine !== undefined) return fromLine;
    } catch {
      // No Dockerfile (or not readable): the default.
    }
  }
  return DEFAULT_TRITON_VERSION;
}

export async function validateCommand(args: ValidateArgs): Promise<void> {
  const cwd = process.cwd();
  const target = resolveTarget(args.path ?? '.', cwd);
  // The rules are loaded when they run, not with the CLI.
  const [{ readRepository }, { baseImageVersion }, { checkRepository }, { compilePythonSources }, { failed, findingFile, formatFinding, jsonReport, summaryLine }] = await Promise.all([
    import('../repository/read.js'),
    import('../repository/project.js'),
    import('../validate/model.js'),
    import('../validate/python-compile.js'),
    import('../validate/report.js'),
  ]);
  const release = targetRelease(args.tritonVersion, target.project, baseImageVersion);
  const snapshot = readRepository(target.repository, { deep: true });
  const sources = new Map(snapshot.models.flatMap((model) => [...model.sources].map(([file, text]) => [`${model.name}/${file}`, text] as const)));
  const syntaxErrors = await compilePythonSources(sources);
  const result = checkRepository(snapshot, target.only, { autoComplete: !args.disableAutoCompleteConfig, release, ...(syntaxErrors ? { syntaxErrors } : {}) });
  const report: Report = {
    repository: shownPath(target.only ? path.join(target.repository, target.only) : target.repository, cwd),
    models: result.models,
    findings: result.findings,
    strict: args.strict,
    tritonVersion: release,
    autoComplete: !args.disableAutoCompleteConfig,
  };

  if (args.json) {
    writeStdout(`${JSON.stringify(jsonReport(report, target.repository, cwd), null, 2)}\n`);
  } else {
    const paint = { error: (s: string) => color.red(s), warning: (s: string) => color.yellow(s) };
    const lines = report.findings.map((finding) => formatFinding(finding, findingFile(finding, target.repository, cwd), paint));
    writeStdout([...lines, summaryLine(report)].join('\n') + '\n');
  }
  if (failed(report)) process.exitCode = EXIT.failed;
}
