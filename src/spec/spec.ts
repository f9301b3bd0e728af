/**
 * The Spec: the one validated description of a model project. Flags, prompts and --from files
 * each produce a SpecDraft (values already parsed field by field, each remembering how the user
 * spelled it, for messages); finalizeSpec fills defaults and applies the rules that involve
 * several fields. Nothing downstream reads argv or asks a question.
 */

import path from 'node:path';
import { fieldError, showValue, UserError } from '../ui/errors.js';
import {
  DEFAULT_TRITON_VERSION,
  requirementProject,
  type InstanceKind,
  type TemplateName,
  type TensorSpec,
} from './fields.js';
import { TEMPLATES, tensorToFlag } from './templates.js';

export interface Spec {
  name: string;
  template: TemplateName;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  maxBatchSize: number;
  /** Everything requirements.txt holds: the template's needs, then the user's lines. */
  requirements: string[];
  /** Absolute paths of files or folders copied into assets/. */
  assets: string[];
  tritonVersion: string;
  instanceKind: InstanceKind;
  instanceCount: number;
  modelVersion: number;
}

/** A value together with how to name it in a message: `--input "x:FP33:1"`, `spec.yaml: inputs[0]`. */
export interface Sourced<T> {
  value: T;
  label: string;
  raw: unknown;
}

export type SpecDraft = {
  [K in keyof Spec]?: Spec[K] extends (infer E)[] ? Sourced<E>[] : Sourced<Spec[K]>;
};

/** What models with BF16 tensors import (torch 2.2 is the first with wheels for the images' Python 3.12). */
export const BF16_REQUIREMENT = 'torch>=2.2';

const SCALAR_DEFAULTS = {
  maxBatchSize: 0,
  tritonVersion: DEFAULT_TRITON_VERSION,
  instanceKind: 'cpu' as InstanceKind,
  instanceCount: 1,
  modelVersion: 1,
};

/** Later drafts override earlier ones field by field (a list given by flags replaces the file's list). */
export function mergeDrafts(...drafts: SpecDraft[]): SpecDraft {
  const merged: SpecDraft = {};
  for (const draft of drafts) {
    for (const [key, value] of Object.entries(draft)) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}

function sameTensors(a: TensorSpec[], b: TensorSpec[]): boolean {
  return a.length === b.length && a.every((t, i) => tensorToFlag(t) === tensorToFlag(b[i] as TensorSpec));
}

export interface FinalizedSpec {
  spec: Spec;
  /** Human-readable `field=value` for every field that took its default. */
  defaulted: string[];
}

export function finalizeSpec(draft: SpecDraft): FinalizedSpec {
  const defaulted: string[] = [];
  const givenTensors = draft.inputs !== undefined || draft.outputs !== undefined;

  const template: TemplateName = draft.template?.value ?? (givenTensors ? 'blank' : 'image-stub');
  if (!draft.template) defaulted.push(`template=${template}`);
  const info = TEMPLATES[template];

  const inputs = draft.inputs ?? info.defaultInputs.map((t) => ({ value: t, label: 'default input', raw: tensorToFlag(t) }));
  const outputs = draft.outputs ?? info.defaultOutputs.map((t) => ({ value: t, label: 'default output', raw: tensorToFlag(t) }));
  if (!draft.inputs) defaulted.push(`inputs=${info.defaultInputs.map(tensorToFlag).join(' ')}`);
  if (!draft.outputs) defaulted.push(`outputs=${info.defaultOutputs.map(tensorToFlag).join(' ')}`);

  if (info.fixedTensors && givenTensors) {
    const asked = [...inputs, ...outputs].find((t) => t.label !== 'default input' && t.label !== 'default output');
    if (!sameTensors(inputs.map((t) => t.value), info.defaultInputs) || !sameTensors(outputs.map((t) => t.value), info.defaultOutputs)) {
      const expected = `${info.defaultInputs.map(tensorToFlag).join(' ')} -> ${info.defaultOutputs.map(tensorToFlag).join(' ')}`;
      throw fieldError(asked?.label ?? '--template', asked?.raw ?? template, `template ${template} has fixed tensors ${expected} (use --template blank for other tensors)`);
    }
  }
  if (inputs.length === 0) throw new UserError(`${draft.inputs?.[0]?.label ?? 'inputs'}: at least one input tensor is needed`);
  if (outputs.length === 0) throw new UserError(`${draft.outputs?.[0]?.label ?? 'outputs'}: at least one output tensor is needed`);

  // Tensor names are the contract with clients and with model.py: unique across inputs and outputs.
  const seen = new Map<string, string>();
  for (const [side, list] of [['input', inputs], ['output', outputs]] as const) {
    for (const tensor of list) {
      const previous = seen.get(tensor.value.name);
      if (previous) {
        throw fieldError(tensor.label, tensor.raw, `tensor name ${showValue(tensor.value.name)} is already used by ${previous === side ? 'another' : 'an'} ${previous} (names must be unique across inputs and outputs)`);
      }
      seen.set(tensor.value.name, side);
    }
  }

  const name = draft.name?.value ?? info.defaultModelName;
  // Listed first: the name is what a user looks for in the defaults line.
  if (!draft.name) defaulted.unshift(`name=${name}`);

  const scalar = <K extends keyof typeof SCALAR_DEFAULTS>(key: K): (typeof SCALAR_DEFAULTS)[K] => {
    const given = draft[key] as Sourced<(typeof SCALAR_DEFAULTS)[K]> | undefined;
    if (given) return given.value;
    defaulted.push(`${key}=${SCALAR_DEFAULTS[key]}`);
    return SCALAR_DEFAULTS[key];
  };

  // The template's own requirements come first; a user line for the same project replaces it.
  const userRequirements = (draft.requirements ?? []).map((r) => r.value);
  const userProjects = new Set(userRequirements.map(requirementProject));
  // numpy has no bfloat16: generated models read and write BF16 tensors through torch (DLPack).
  const usesBF16 = [...inputs, ...outputs].some((t) => t.value.dataType === 'BF16');
  const templateRequirements = [...info.requirements, ...(usesBF16 ? [BF16_REQUIREMENT] : [])];
  const requirements = [...templateRequirements.filter((r) => !userProjects.has(requirementProject(r))), ...userRequirements];
  const duplicate = userRequirements.find((r, i) => userRequirements.findIndex((o) => requirementProject(o) === requirementProject(r)) !== i);
  if (duplicate !== undefined) {
    const entry = draft.requirements?.find((r) => r.value === duplicate);
    throw fieldError(entry?.label ?? '--requirement', duplicate, `${requirementProject(duplicate)} is required twice (keep one line per package)`);
  }

  // Each asset lands in assets/<its name>: two with one name would overwrite each other.
  const assetNames = new Map<string, string>();
  for (const asset of draft.assets ?? []) {
    const base = path.basename(asset.value);
    const clash = assetNames.get(base);
    if (clash !== undefined) throw fieldError(asset.label, asset.raw, `both this and ${showValue(clash)} would be copied to assets/${base} (rename one)`);
    assetNames.set(base, String(asset.raw));
  }

  const spec: Spec = {
    name,
    template,
    inputs: inputs.map((t) => t.value),
    outputs: outputs.map((t) => t.value),
    maxBatchSize: scalar('maxBatchSize'),
    requirements,
    assets: (draft.assets ?? []).map((a) => a.value),
    tritonVersion: scalar('tritonVersion'),
    instanceKind: scalar('instanceKind'),
    instanceCount: scalar('instanceCount'),
    modelVersion: scalar('modelVersion'),
  };
  return { spec, defaulted };
}
