/** yargs definition of the default command; the work is in create.ts, loaded only when it runs. */

import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_TRITON_VERSION, NEWEST_RELEASE } from '../model-spec/releases.js';
import { asList, asOne } from './args.js';

/**
 * Spec flags accept strings and are judged by the spec's own rules, so `--max-batch-size x` gets our
 * message, not NaN. `tritonVersionDefault` is what help shows as --triton-version's default: the one
 * that really applies to the command.
 */
export function specOptions<T>(y: Argv<T>, tritonVersionDefault: string) {
  return y
    .option('name', { type: 'string', describe: 'Model name: the folder under models/ [letters, digits, _ - ., starting with a letter or digit]' })
    .option('template', { type: 'string', describe: 'image-stub (reference example) | blank (any tensors) | decoupled (streams responses)' })
    .option('input', { type: 'string', describe: 'Input tensor name:TYPE:dims, repeatable (e.g. image:UINT8:-1,-1,3)' })
    .option('output', { type: 'string', describe: 'Output tensor name:TYPE:dims, repeatable (e.g. probs:FP32:1000)' })
    .option('max-batch-size', { type: 'string', describe: 'Integer >= 0; > 0 adds an implicit batch dimension [default: 0]' })
    .option('requirement', { alias: 'r', type: 'string', describe: 'Python requirement (PEP 508), repeatable' })
    .option('requirements-file', { type: 'string', describe: 'Read requirements from a requirements.txt-style file' })
    .option('asset', { type: 'string', describe: 'File or folder copied into assets/, repeatable' })
    .option('triton-version', { type: 'string', describe: `NGC release YY.MM of nvcr.io/nvidia/tritonserver [default: ${tritonVersionDefault}]` })
    .option('instance-kind', { type: 'string', describe: 'cpu | gpu | auto -> instance_group kind [default: cpu]' })
    .option('instance-count', { type: 'string', describe: 'Instances of the model, integer >= 1 [default: 1]' })
    .option('model-version', { type: 'string', describe: 'Version folder, positive integer [default: 1]' })
    .option('from', { type: 'string', describe: 'Spec file (JSON or YAML) with the same fields; flags override it' })
    .group(['instance-group', 'dynamic-batching', 'preferred-batch-size', 'max-queue-delay-us', 'parameter', 'version-policy', 'optional-input', 'reshape'], 'Advanced config:')
    .option('instance-group', { type: 'string', describe: 'Instance group kind:count[:gpus], repeatable (e.g. gpu:2:0,1); replaces --instance-kind/--instance-count' })
    .option('dynamic-batching', { type: 'boolean', describe: 'Let Triton batch requests together (needs --max-batch-size > 0)' })
    .option('preferred-batch-size', { type: 'string', describe: 'Dynamic batching: a batch size to dispatch at once, repeatable' })
    .option('max-queue-delay-us', { type: 'string', describe: 'Dynamic batching: microseconds a request may wait for others' })
    .option('parameter', { type: 'string', describe: 'Config parameter key=value, repeatable (model.py reads them as strings)' })
    .option('version-policy', { type: 'string', describe: 'latest[:N] | all | specific:V[,V...]' })
    .option('optional-input', { type: 'string', describe: 'Name of an input clients may leave out, repeatable' })
    .option('reshape', { type: 'string', describe: 'name:dims the model sees instead of the declared dims, repeatable (same element count)' });
}

/** The spec flags as the commands hand them to the spec layer. */
export function specFlagsFrom(args: Record<string, unknown>) {
  return {
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
    instanceGroup: asList(args.instanceGroup),
    dynamicBatching: args.dynamicBatching === undefined ? undefined : Boolean(args.dynamicBatching),
    preferredBatchSize: asList(args.preferredBatchSize),
    maxQueueDelayUs: asOne(args.maxQueueDelayUs, 'max-queue-delay-us'),
    parameter: asList(args.parameter),
    versionPolicy: asOne(args.versionPolicy, 'version-policy'),
    optionalInput: asList(args.optionalInput),
    reshape: asList(args.reshape),
  };
}

export const createCommandModule: CommandModule = {
  // `create` by name, and the command run when none is named.
  command: ['create [directory]', '$0'],
  describe: 'Create a project (asks what it needs in a terminal; --yes for defaults)',
  builder: (y) =>
    specOptions(y, `${DEFAULT_TRITON_VERSION}, Triton ${NEWEST_RELEASE.triton}`)
      .positional('directory', { type: 'string', describe: 'Folder to create [default: triton-project]' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Never prompt: take defaults for what is not given' })
      .option('force', { type: 'boolean', default: false, describe: 'Write into a non-empty folder, replacing generated files (others are kept)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Print the files it would write, write nothing' })
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object (spec and files) on stdout' })
      // No default: the simplest argv skip yargs (simple-argv.ts) and must get the same arguments object.
      .option('build', { type: 'boolean', describe: 'Then docker build the image (as the build command does)' })
      .option('run', { type: 'boolean', describe: 'Then build, start Triton in docker, wait until ready and send a test request (as the run command does)' })
      .example('$0 my-project', 'asks for the model name, tensors, dependencies, assets')
      .example('$0 my-project --yes', 'the reference example, no questions')
      .example('$0 my-project --name resnet --input image:UINT8:-1,-1,3 --output probs:FP32:1000 -r torch==2.4.0 --max-batch-size 8', 'your own tensors'),
  handler: async (args) => {
    const { createCommand } = await import('./create.js');
    await createCommand({
      ...specFlagsFrom(args),
      directory: asOne(args.directory, 'directory'),
      yes: Boolean(args.yes),
      force: Boolean(args.force),
      dryRun: Boolean(args.dryRun),
      json: Boolean(args.json),
      build: Boolean(args.build),
      run: Boolean(args.run),
    });
  },
};
