/**
 * The interactive flow (loaded only when a terminal is there to answer). It asks, in order,
 * only for what flags and --from did not give, validating each answer as the user types with
 * the same rules the flags use. Enter at every question gives the built-in example. ESC or
 * Ctrl-C at any question cancels: nothing has been written yet, and the CLI exits 130.
 */

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { checkbox, confirm, input, select } from '@inquirer/prompts';
import { DATA_TYPES, type DataType } from '../model-spec/dtypes.js';
import { parseAssetPath } from '../model-spec/assets.js';
import {
  DEFAULT_DIRECTORY,
  DEFAULT_TRITON_VERSION,
  INSTANCE_KINDS,
  InvalidValue,
  TEMPLATE_NAMES,
  parseDims,
  parseProjectDirectory,
  parseInstanceCount,
  parseInstanceGroup,
  parseMaxQueueDelay,
  parseParameter,
  parsePreferredBatchSize,
  parseReshapeFlag,
  parseVersionPolicy,
  parseMaxBatchSize,
  parseModelName,
  parseModelVersion,
  parseRequirement,
  parseTensorName,
  parseTritonVersion,
  type InstanceGroupSpec,
  type InstanceKind,
  type TemplateName,
  type TensorSpec,
} from '../model-spec/fields.js';
import type { Sourced, SpecDraft } from '../model-spec/spec.js';
import { TEMPLATES, tensorToFlag } from '../model-spec/templates.js';
import { InterruptedError } from '../ui/errors.js';
import { color } from '../ui/output.js';

/** An inquirer validator from a field rule: true, or the rule's complaint shown under the answer. */
const check = (parse: (raw: unknown) => unknown) => (answer: string) => {
  try {
    parse(answer);
    return true;
  } catch (error) {
    if (error instanceof InvalidValue) return error.message;
    throw error;
  }
};

const answered = <T>(label: string, raw: string, value: T): Sourced<T> => ({ value, label, raw });

interface PromptContext {
  cwd: string;
  force: boolean;
  /** Models the project already has (add-model): a name among them is refused as it is typed. */
  takenModelNames?: string[];
}

export async function promptForSpec(
  given: SpecDraft,
  givenDirectory: string | undefined,
  context: PromptContext,
): Promise<{ draft: SpecDraft; directory: string | undefined }> {
  // ESC cancels like Ctrl-C: inquirer reports Ctrl-C itself, ESC arrives here as a keypress.
  const controller = new AbortController();
  readline.emitKeypressEvents(process.stdin);
  const onKeypress = (_: unknown, key: { name?: string } | undefined) => {
    if (key?.name === 'escape') controller.abort();
  };
  process.stdin.on('keypress', onKeypress);
  const ask = { signal: controller.signal };

  try {
    const draft: SpecDraft = { ...given };
    let directory = givenDirectory;

    if (directory === undefined) {
      const folderProblem = (answer: string): string | true => {
        const valid = check(parseProjectDirectory)(answer);
        if (valid !== true) return valid;
        const target = path.resolve(context.cwd, answer);
        if (!fs.existsSync(target)) return true;
        if (!fs.statSync(target).isDirectory()) return 'a file with this name exists';
        if (fs.readdirSync(target).length > 0 && !context.force) return 'this folder is not empty (choose another, or run again with --force)';
        return true;
      };
      directory = (await input({ message: 'Project folder', default: DEFAULT_DIRECTORY, validate: folderProblem }, ask)).trim();
    }

    if (!draft.name) {
      // Compared case-insensitively: on macOS and Windows folders differing only in case are one.
      const taken = (name: string) => context.takenModelNames?.some((t) => t.toLowerCase() === name.trim().toLowerCase()) ?? false;
      const nameProblem = (answer: string) => {
        const valid = check(parseModelName)(answer);
        return valid === true && taken(answer) ? `models/${answer.trim()} already exists (choose another name)` : valid;
      };
      const fallback = TEMPLATES['image-stub'].defaultModelName;
      const raw = await input({ message: 'Model name', default: taken(fallback) ? undefined : fallback, validate: nameProblem }, ask);
      draft.name = answered('model name', raw, parseModelName(raw));
    }

    const tensorsGiven = draft.inputs !== undefined || draft.outputs !== undefined;
    if (!draft.template) {
      const template = await select<TemplateName>(
        {
          message: 'Template',
          default: tensorsGiven ? 'blank' : 'image-stub',
          choices: TEMPLATE_NAMES.map((name) => ({ name, value: name, description: TEMPLATES[name].summary })),
        },
        ask,
      );
      draft.template = answered('template', template, template);
    }
    const template = TEMPLATES[draft.template.value];

    if (template.fixedTensors) {
      process.stdout.write(
        color.dim(`  ${template.name} tensors: ${template.defaultInputs.map(tensorToFlag).join(' ')} -> ${template.defaultOutputs.map(tensorToFlag).join(' ')}\n`),
      );
    } else {
      draft.inputs ??= await askTensors('input', template.defaultInputs, [], ask);
      draft.outputs ??= await askTensors('output', template.defaultOutputs, draft.inputs.map((t) => t.value.name), ask);
    }

    if (!draft.maxBatchSize) {
      const raw = await input({ message: 'Max batch size (0 = no batching)', default: '0', validate: check(parseMaxBatchSize) }, ask);
      draft.maxBatchSize = answered('max batch size', raw, parseMaxBatchSize(raw));
    }

    if (!draft.requirements) {
      if (template.requirements.length > 0) process.stdout.write(color.dim(`  ${template.name} needs: ${template.requirements.join(' ')}\n`));
      const requirements: Sourced<string>[] = [];
      for (;;) {
        const raw = (await input({ message: 'Python requirement to add (PEP 508; Enter to finish)', validate: (a) => a.trim() === '' || check(parseRequirement)(a) }, ask)).trim();
        if (raw === '') break;
        requirements.push(answered('requirement', raw, parseRequirement(raw)));
      }
      if (requirements.length > 0) draft.requirements = requirements;
    }

    if (!draft.assets) {
      const assets: Sourced<string>[] = [];
      for (;;) {
        const raw = (
          await input(
            { message: 'Asset file or folder to copy into assets/ (Enter to finish)', validate: (a) => a.trim() === '' || check((v) => parseAssetPath(v, context.cwd))(a.trim()) },
            ask,
          )
        ).trim();
        if (raw === '') break;
        assets.push(answered('asset', raw, parseAssetPath(raw, context.cwd)));
      }
      if (assets.length > 0) draft.assets = assets;
    }

    if (!draft.tritonVersion) {
      const raw = await input({ message: 'Triton image tag (nvcr.io/nvidia/tritonserver:<tag>-py3)', default: DEFAULT_TRITON_VERSION, validate: check(parseTritonVersion) }, ask);
      draft.tritonVersion = answered('Triton version', raw, parseTritonVersion(raw));
    }

    const instancesGiven = Boolean(draft.instanceGroups || draft.instanceKind || draft.instanceCount);
    const advancedMissing = !instancesGiven || !draft.modelVersion || draft.dynamicBatching === undefined || !draft.parameters || !draft.versionPolicy;
    if (advancedMissing && (await confirm({ message: 'Advanced settings (instances, dynamic batching, parameters, versions, optional inputs, reshape)?', default: false }, ask))) {
      await askAdvanced(draft, instancesGiven, ask);
    }
    return { draft, directory };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') throw new InterruptedError('SIGINT');
    throw error;
  } finally {
    process.stdin.off('keypress', onKeypress);
  }
}

/** The "advanced" step: each question has its flag (see --help), asked only when the flag was not given. */
async function askAdvanced(draft: SpecDraft, instancesGiven: boolean, ask: { signal: AbortSignal }): Promise<void> {
  if (!instancesGiven) {
    const groups: Sourced<InstanceGroupSpec>[] = [];
    do {
      const kind = await select<InstanceKind>(
        {
          message: `Instance group ${groups.length + 1} kind`,
          default: 'cpu',
          choices: INSTANCE_KINDS.map((k) => ({
            name: k,
            value: k,
            description: { cpu: 'KIND_CPU: loads anywhere', gpu: 'KIND_GPU: needs a GPU and docker run --gpus', auto: 'KIND_AUTO: GPU when present' }[k],
          })),
        },
        ask,
      );
      const count = (await input({ message: 'Instance count', default: '1', validate: check(parseInstanceCount) }, ask)).trim();
      let text = `${kind}:${count}`;
      if (kind !== 'cpu') {
        const gpus = (await input({ message: 'GPU ids (comma-separated; Enter for every visible GPU)', validate: (a) => a.trim() === '' || check(parseInstanceGroup)(`${text}:${a.trim()}`) }, ask)).trim();
        if (gpus) text += `:${gpus}`;
      }
      groups.push(answered('instance group', text, parseInstanceGroup(text)));
    } while (await confirm({ message: 'Add another instance group?', default: false }, ask));
    draft.instanceGroups = groups;
  }

  const maxBatchSize = draft.maxBatchSize?.value ?? 0;
  if (draft.dynamicBatching === undefined && maxBatchSize > 0 && (await confirm({ message: 'Dynamic batching (Triton groups requests up to the max batch size)?', default: false }, ask))) {
    draft.dynamicBatching = answered('dynamic batching', 'yes', true);
    const sizesRaw = (
      await input(
        { message: 'Preferred batch sizes (comma-separated; Enter for none)', validate: (a) => a.trim() === '' || a.split(',').every((size) => check(parsePreferredBatchSize)(size) === true) || `each must be an integer from 1 to ${maxBatchSize}` },
        ask,
      )
    ).trim();
    if (sizesRaw) draft.preferredBatchSizes = sizesRaw.split(',').map((size) => answered('preferred batch size', size.trim(), parsePreferredBatchSize(size)));
    const delay = await input({ message: 'Max queue delay (microseconds)', default: '100', validate: check(parseMaxQueueDelay) }, ask);
    draft.maxQueueDelayMicroseconds = answered('max queue delay', delay, parseMaxQueueDelay(delay));
  }

  if (!draft.parameters) {
    const parameters: Sourced<[string, string]>[] = [];
    for (;;) {
      const raw = await input({ message: 'Config parameter key=value for model.py (Enter to finish)', validate: (a) => a.trim() === '' || check(parseParameter)(a) }, ask);
      if (raw.trim() === '') break;
      parameters.push(answered('parameter', raw, parseParameter(raw)));
    }
    if (parameters.length > 0) draft.parameters = parameters;
  }

  if (!draft.versionPolicy) {
    const policy = await select<string>(
      {
        message: 'Version policy',
        default: 'latest',
        choices: [
          { name: 'latest', value: 'latest', description: 'serve the highest version (Triton\'s default)' },
          { name: 'all', value: 'all', description: 'serve every version folder' },
          { name: 'specific', value: 'specific', description: 'serve listed versions' },
        ],
      },
      ask,
    );
    if (policy === 'all') draft.versionPolicy = answered('version policy', 'all', parseVersionPolicy('all'));
    if (policy === 'specific') {
      const versions = await input({ message: 'Versions to serve (comma-separated)', default: String(draft.modelVersion?.value ?? 1), validate: (a) => check(parseVersionPolicy)(`specific:${a}`) }, ask);
      draft.versionPolicy = answered('version policy', `specific:${versions}`, parseVersionPolicy(`specific:${versions}`));
    }
  }

  if (!draft.modelVersion) {
    const raw = await input({ message: 'Model version (folder name)', default: '1', validate: check(parseModelVersion) }, ask);
    draft.modelVersion = answered('model version', raw, parseModelVersion(raw));
  }

  const inputs = draft.inputs?.map((t) => t.value.name) ?? [];
  if (!draft.optionalInputs && inputs.length > 1) {
    const optional = await checkbox({ message: 'Inputs clients may leave out (space to select)', choices: inputs.map((name) => ({ name, value: name })) }, ask);
    if (optional.length > 0) draft.optionalInputs = optional.map((name) => answered('optional input', name, name));
  }

  if (!draft.reshapes && draft.inputs) {
    const reshapes: Sourced<{ name: string; shape: number[] }>[] = [];
    for (;;) {
      const raw = await input({ message: 'Reshape a tensor for model.py, name:dims (Enter to finish)', validate: (a) => a.trim() === '' || check(parseReshapeFlag)(a) }, ask);
      if (raw.trim() === '') break;
      reshapes.push(answered('reshape', raw, parseReshapeFlag(raw)));
    }
    if (reshapes.length > 0) draft.reshapes = reshapes;
  }
}

async function askTensors(side: 'input' | 'output', defaults: TensorSpec[], takenNames: string[], ask: { signal: AbortSignal }): Promise<Sourced<TensorSpec>[]> {
  const tensors: Sourced<TensorSpec>[] = [];
  for (let index = 0; ; index++) {
    const fallback = defaults[index] ?? { name: `${side.toUpperCase()}${index}`, dataType: 'FP32' as DataType, dims: [1] };
    const taken = [...takenNames, ...tensors.map((t) => t.value.name)];
    const name = await input(
      {
        message: `${side === 'input' ? 'Input' : 'Output'} ${index + 1} name`,
        default: taken.includes(fallback.name) ? undefined : fallback.name,
        validate: (answer) => {
          const valid = check(parseTensorName)(answer);
          if (valid !== true) return valid;
          return taken.includes(answer.trim()) ? `${answer.trim()} is already used (names must be unique across inputs and outputs)` : true;
        },
      },
      ask,
    );
    const dataType = await select<DataType>(
      {
        message: `${name} data type`,
        default: fallback.dataType,
        choices: DATA_TYPES.map((t) => ({ name: t.name, value: t.name, description: `${t.config}${t.numpy ? `, numpy ${t.numpy}` : ', no numpy type (via torch)'}` })),
        pageSize: 14,
      },
      ask,
    );
    const dimsRaw = await input({ message: `${name} dims (comma-separated, -1 = any size; no batch dimension)`, default: fallback.dims.join(','), validate: check(parseDims) }, ask);
    const tensor: TensorSpec = { name: parseTensorName(name), dataType, dims: parseDims(dimsRaw) };
    tensors.push(answered(side, tensorToFlag(tensor), tensor));
    if (!(await confirm({ message: `Add another ${side}?`, default: false }, ask))) return tensors;
  }
}
