/**
 * The flags that describe a model (create and add-model share them): their yargs options, the
 * values as the spec layer takes them, and the draft they and --from make together. Every value is
 * judged by src/model-spec's rules, the same the prompts and spec files use.
 */

import type { Argv } from 'yargs';
import { draftFromFile } from '../model-spec/from-file.js';
import { draftFromFlags, type SpecFlags } from '../model-spec/from-flags.js';
import { mergeDrafts, type SpecDraft } from '../model-spec/spec.js';
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

export interface ModelFlags extends SpecFlags {
  from?: string;
}

/** The spec flags as the commands hand them to the spec layer. */
export function specFlagsFrom(args: Record<string, unknown>): ModelFlags {
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

/** The draft of --from (when given) with the flags on top, field by field. */
export async function draftFromFlagsAndFile(flags: ModelFlags, cwd: string): Promise<SpecDraft> {
  return mergeDrafts(flags.from !== undefined ? await draftFromFile(flags.from, cwd) : {}, draftFromFlags(flags, cwd));
}
