/**
 * The command line: commands, flags, help and exit codes. Errors a user can fix become one
 * line on stderr and exit 1; usage mistakes exit 2; anything else is a bug and shows its stack.
 */

import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT, InterruptedError, UserError } from './ui/errors.js';
import { printError } from './ui/output.js';
import { DEFAULT_TRITON_VERSION } from './spec/fields.js';
import { VERSION } from './version.js';

const EXIT_CODES = `Exit codes: 0 ok, 1 invalid input or a failed step, 2 usage error, 130 interrupted (Ctrl-C), 143 terminated.`;

/** Flags accept strings and are judged by the spec's own rules, so `--max-batch-size x` gets our message, not NaN. */
function specOptions<T>(y: Argv<T>) {
  return y
    .option('name', { type: 'string', describe: 'Model name: the folder under models/ [letters, digits, _ - ., starting with a letter or digit]' })
    .option('template', { type: 'string', describe: 'image-stub (reference example) | blank (any tensors) | decoupled (streams responses)' })
    .option('input', { type: 'string', describe: 'Input tensor name:TYPE:dims, repeatable (e.g. image:UINT8:-1,-1,3)' })
    .option('output', { type: 'string', describe: 'Output tensor name:TYPE:dims, repeatable (e.g. probs:FP32:1000)' })
    .option('max-batch-size', { type: 'string', describe: 'Integer >= 0; > 0 adds an implicit batch dimension [default: 0]' })
    .option('requirement', { alias: 'r', type: 'string', describe: 'Python requirement (PEP 508), repeatable' })
    .option('requirements-file', { type: 'string', describe: 'Read requirements from a requirements.txt-style file' })
    .option('asset', { type: 'string', describe: 'File or folder copied into assets/, repeatable' })
    .option('triton-version', { type: 'string', describe: `NGC release YY.MM of nvcr.io/nvidia/tritonserver [default: ${DEFAULT_TRITON_VERSION}]` })
    .option('instance-kind', { type: 'string', describe: 'cpu | gpu | auto -> instance_group kind [default: cpu]' })
    .option('instance-count', { type: 'string', describe: 'Instances of the model, integer >= 1 [default: 1]' })
    .option('model-version', { type: 'string', describe: 'Version folder, positive integer [default: 1]' })
    .option('from', { type: 'string', describe: 'Spec file (JSON or YAML) with the same fields; flags override it' });
}

/** yargs collects a repeated string flag into an array; a single one stays a string. */
const asList = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String);
const asOne = (value: unknown, flag: string): string | undefined => {
  if (Array.isArray(value)) throw new UserError(`--${flag} was given ${value.length} times (give it once)`, EXIT.usage);
  return value === undefined ? undefined : String(value);
};

export function buildCli(argv: string[]) {
  return yargs(argv)
    .scriptName('create-triton-model')
    .usage('$0 [directory] [options]\n\nCreate a Triton Inference Server Python-backend project: config.pbtxt, model.py, Dockerfile, client and README.')
    .command(
      '$0 [directory]',
      'Create a project (asks what it needs in a terminal; --yes for defaults)',
      (y) =>
        specOptions(y)
          .positional('directory', { type: 'string', describe: 'Folder to create [default: triton-project]' })
          .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Never prompt: take defaults for what is not given' })
          .option('force', { type: 'boolean', default: false, describe: 'Write into a non-empty folder, replacing generated files (others are kept)' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'Print the files it would write, write nothing' })
          .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object (spec and files) on stdout' })
          .example('$0 my-project', 'asks for the model name, tensors, dependencies, assets')
          .example('$0 my-project --yes', 'the reference example, no questions')
          .example('$0 my-project --name resnet --input image:UINT8:-1,-1,3 --output probs:FP32:1000 -r torch==2.4.0 --max-batch-size 8', 'your own tensors'),
      async (args) => {
        const { createCommand } = await import('./commands/create.js');
        await createCommand({
          directory: args.directory,
          name: asOne(args.name, 'name'),
          template: asOne(args.template, 'template'),
          input: asList(args.input),
          output: asList(args.output),
          maxBatchSize: asOne(args.maxBatchSize, 'max-batch-size'),
          requirement: asList(args.requirement),
          requirementsFile: asOne(args.requirementsFile, 'requirements-file'),
          asset: asList(args.asset),
          tritonVersion: asOne(args.tritonVersion, 'triton-version'),
          instanceKind: asOne(args.instanceKind, 'instance-kind'),
          instanceCount: asOne(args.instanceCount, 'instance-count'),
          modelVersion: asOne(args.modelVersion, 'model-version'),
          from: asOne(args.from, 'from'),
          yes: args.yes,
          force: args.force,
          dryRun: args.dryRun,
          json: args.json,
        });
      },
    )
    .strict()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .alias('v', 'version')
    .epilogue(EXIT_CODES)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new UserError(`${message} (see --help)`, EXIT.usage);
    });
}

export async function main(argv = hideBin(process.argv)): Promise<number> {
  try {
    await buildCli(argv).parseAsync();
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (error) {
    if (error instanceof InterruptedError) return error.exitCode;
    if (error instanceof UserError) {
      printError(error.message);
      return error.exitCode;
    }
    throw error;
  }
}
