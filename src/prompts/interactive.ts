/**
 * The interactive flow (loaded only when a terminal is there to answer). It asks, in order,
 * only for what flags and --from did not give, validating each answer as the user types with
 * the same rules the flags use. Enter at every question gives the built-in example. ESC or
 * Ctrl-C at any question cancels: nothing has been written yet, and the CLI exits 130.
 */

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { confirm, input, select } from '@inquirer/prompts';
import { DATA_TYPES, type DataType } from '../spec/dtypes.js';
import { parseAssetPath } from '../spec/assets.js';
import {
  DEFAULT_DIRECTORY,
  DEFAULT_TRITON_VERSION,
  INSTANCE_KINDS,
  InvalidValue,
  TEMPLATE_NAMES,
  parseDims,
  parseProjectDirectory,
  parseInstanceCount,
  parseMaxBatchSize,
  parseModelName,
  parseModelVersion,
  parseRequirement,
  parseTensorName,
  parseTritonVersion,
  type InstanceKind,
  type TemplateName,
  type TensorSpec,
} from '../spec/fields.js';
import type { Sourced, SpecDraft } from '../spec/spec.js';
import { TEMPLATES, tensorToFlag } from '../spec/templates.js';
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
      const raw = await input({ message: 'Model name', default: TEMPLATES['image-stub'].defaultModelName, validate: check(parseModelName) }, ask);
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

    const advancedMissing = !draft.instanceKind || !draft.instanceCount || !draft.modelVersion;
    if (advancedMissing && (await confirm({ message: 'Advanced settings (instances, model version)?', default: false }, ask))) {
      if (!draft.instanceKind) {
        const kind = await select<InstanceKind>(
          {
            message: 'Instance kind',
            default: 'cpu',
            choices: INSTANCE_KINDS.map((k) => ({
              name: k,
              value: k,
              description: { cpu: 'KIND_CPU: loads anywhere', gpu: 'KIND_GPU: needs a GPU and docker run --gpus', auto: 'KIND_AUTO: GPU when present' }[k],
            })),
          },
          ask,
        );
        draft.instanceKind = answered('instance kind', kind, kind);
      }
      if (!draft.instanceCount) {
        const raw = await input({ message: 'Instance count', default: '1', validate: check(parseInstanceCount) }, ask);
        draft.instanceCount = answered('instance count', raw, parseInstanceCount(raw));
      }
      if (!draft.modelVersion) {
        const raw = await input({ message: 'Model version (folder name)', default: '1', validate: check(parseModelVersion) }, ask);
        draft.modelVersion = answered('model version', raw, parseModelVersion(raw));
      }
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
