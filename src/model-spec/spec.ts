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
  type InstanceGroupSpec,
  type InstanceKind,
  type TemplateName,
  type TensorSpec,
  type VersionPolicy,
} from './fields.js';
import { BF16_MIN_TRITON_VERSION, unknownReleaseWarning } from './releases.js';
import { TEMPLATES, tensorToFlag } from './templates.js';

export interface DynamicBatchingSpec {
  /** Batch sizes to dispatch at once when reachable; each 1..maxBatchSize. Usually empty. */
  preferredBatchSizes: number[];
  /** How long a request may wait for others to batch with. */
  maxQueueDelayMicroseconds: number;
}

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
  /** config instance_group entries, at least one. */
  instanceGroups: InstanceGroupSpec[];
  modelVersion: number;
  dynamicBatching: DynamicBatchingSpec | null;
  /** config parameters the user set, in order (the generator adds assets_dir itself). */
  parameters: [string, string][];
  versionPolicy: VersionPolicy | null;
}

/** A value together with how to name it in a message: `--input "x:FP33:1"`, `spec.yaml: inputs[0]`. */
export interface Sourced<T> {
  value: T;
  label: string;
  raw: unknown;
}

/** What one source (flags, a spec file, prompts) said; every field optional, each value already checked on its own. */
export interface SpecDraft {
  name?: Sourced<string>;
  template?: Sourced<TemplateName>;
  inputs?: Sourced<TensorSpec>[];
  outputs?: Sourced<TensorSpec>[];
  maxBatchSize?: Sourced<number>;
  requirements?: Sourced<string>[];
  assets?: Sourced<string>[];
  tritonVersion?: Sourced<string>;
  /** Shorthand for one instance group. */
  instanceKind?: Sourced<InstanceKind>;
  instanceCount?: Sourced<number>;
  instanceGroups?: Sourced<InstanceGroupSpec>[];
  modelVersion?: Sourced<number>;
  dynamicBatching?: Sourced<boolean>;
  preferredBatchSizes?: Sourced<number>[];
  maxQueueDelayMicroseconds?: Sourced<number>;
  parameters?: Sourced<[string, string]>[];
  versionPolicy?: Sourced<VersionPolicy>;
  /** Input names made optional (flags); spec files say `optional: true` on the tensor. */
  optionalInputs?: Sourced<string>[];
  /** Reshapes by tensor name (flags); spec files say `reshape: [...]` on the tensor. */
  reshapes?: Sourced<{ name: string; shape: number[] }>[];
}

/** What models with BF16 tensors import (torch 2.2 is the first with wheels for the images' Python 3.12). */
export const BF16_REQUIREMENT = 'torch>=2.2';

const SCALAR_DEFAULTS = {
  maxBatchSize: 0,
  tritonVersion: DEFAULT_TRITON_VERSION,
  modelVersion: 1,
};

/** Later drafts override earlier ones field by field (a list given by flags replaces the file's list). */
export function mergeDrafts(...drafts: SpecDraft[]): SpecDraft {
  const merged: SpecDraft = {};
  for (const draft of drafts) {
    // The instance-group shorthand (kind/count) and the full list replace each other as a whole.
    if (draft.instanceGroups) {
      delete merged.instanceKind;
      delete merged.instanceCount;
    }
    if (draft.instanceKind || draft.instanceCount) delete merged.instanceGroups;
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
  /** What is accepted but worth a second look (a release tag newer than those known). */
  warnings: string[];
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

  const maxBatchSize = scalar('maxBatchSize');
  const modelVersion = scalar('modelVersion');
  const tensors = applyTensorOptions(draft, inputs, outputs, maxBatchSize);
  const tritonVersion = scalar('tritonVersion');
  const warnings: string[] = [];
  const unknownRelease = unknownReleaseWarning(tritonVersion);
  if (unknownRelease) warnings.push(`${draft.tritonVersion?.label ?? 'tritonVersion'} ${showValue(tritonVersion)}: ${unknownRelease}`);
  // Releases before 24.08 refuse to load a Python model with BF16 tensors ("TYPE_BF16 not currently supported").
  const bf16 = [...inputs, ...outputs].find((t) => t.value.dataType === 'BF16');
  if (bf16 && tritonVersion < BF16_MIN_TRITON_VERSION) {
    throw fieldError(bf16.label, bf16.raw, `BF16 tensors need Triton ${BF16_MIN_TRITON_VERSION} or later (the Python backend of ${tritonVersion} cannot load them; choose --triton-version ${BF16_MIN_TRITON_VERSION} or later)`);
  }

  const spec: Spec = {
    name,
    template,
    inputs: tensors.inputs,
    outputs: tensors.outputs,
    maxBatchSize,
    requirements,
    assets: (draft.assets ?? []).map((a) => a.value),
    tritonVersion,
    instanceGroups: instanceGroupsOf(draft, defaulted),
    modelVersion,
    dynamicBatching: dynamicBatchingOf(draft, maxBatchSize),
    parameters: parametersOf(draft),
    versionPolicy: versionPolicyOf(draft, modelVersion),
  };
  return { spec, defaulted, warnings };
}

function instanceGroupsOf(draft: SpecDraft, defaulted: string[]): InstanceGroupSpec[] {
  if (draft.instanceGroups) {
    const shorthand = draft.instanceKind ?? draft.instanceCount;
    if (shorthand) throw fieldError(shorthand.label, shorthand.raw, 'give either instance groups or the kind/count shorthand, not both');
    if (draft.instanceGroups.length === 0) throw new UserError('instanceGroups: at least one instance group is needed');
    return draft.instanceGroups.map((g) => g.value);
  }
  if (!draft.instanceKind) defaulted.push('instanceKind=cpu');
  if (!draft.instanceCount) defaulted.push('instanceCount=1');
  return [{ kind: draft.instanceKind?.value ?? 'cpu', count: draft.instanceCount?.value ?? 1 }];
}

function dynamicBatchingOf(draft: SpecDraft, maxBatchSize: number): DynamicBatchingSpec | null {
  const sizes = draft.preferredBatchSizes ?? [];
  const delay = draft.maxQueueDelayMicroseconds;
  const asked = draft.dynamicBatching ?? sizes[0] ?? delay;
  if (!asked || draft.dynamicBatching?.value === false) {
    if (draft.dynamicBatching?.value === false && (sizes.length > 0 || delay)) {
      throw fieldError((sizes[0] ?? delay)!.label, (sizes[0] ?? delay)!.raw, 'sets dynamic batching, which is turned off');
    }
    return null;
  }
  // Triton batches requests along the batch dimension: without one there is nothing to batch.
  if (maxBatchSize === 0) {
    const problem = 'dynamic batching needs --max-batch-size > 0';
    throw typeof asked.raw === 'boolean' ? new UserError(`${asked.label}: ${problem}`) : fieldError(asked.label, asked.raw, problem);
  }
  for (const size of sizes) {
    if (size.value > maxBatchSize) throw fieldError(size.label, size.raw, `preferred batch size must be at most max_batch_size ${maxBatchSize}`);
  }
  const duplicate = sizes.find((size, i) => sizes.findIndex((o) => o.value === size.value) !== i);
  if (duplicate) throw fieldError(duplicate.label, duplicate.raw, 'is listed twice');
  return { preferredBatchSizes: sizes.map((s) => s.value), maxQueueDelayMicroseconds: delay?.value ?? 0 };
}

function parametersOf(draft: SpecDraft): [string, string][] {
  const seen = new Set<string>();
  for (const parameter of draft.parameters ?? []) {
    if (seen.has(parameter.value[0])) throw fieldError(parameter.label, parameter.raw, `parameter ${parameter.value[0]} is set twice`);
    seen.add(parameter.value[0]);
  }
  return (draft.parameters ?? []).map((p) => p.value);
}

function versionPolicyOf(draft: SpecDraft, modelVersion: number): VersionPolicy | null {
  const policy = draft.versionPolicy;
  if (!policy) return null;
  // The project holds one version folder: a policy that leaves it out would serve nothing.
  if (policy.value.kind === 'specific' && !policy.value.versions.includes(modelVersion)) {
    throw fieldError(policy.label, policy.raw, `does not list version ${modelVersion}, the only version folder generated (Triton would serve nothing)`);
  }
  return policy.value;
}

/**
 * Triton's rule for reshape (model_config_utils ValidateIOShape): split dims and reshape at each
 * variable (-1) dimension; both need the same number of pieces and each piece the same element count.
 */
function reshapeProblem(dims: number[], shape: number[], maxBatchSize: number): string | undefined {
  if (shape.length === 0) {
    const single = dims.length === 1 && dims[0] === 1;
    return single && maxBatchSize > 0 ? undefined : 'an empty reshape needs dims [1] and --max-batch-size > 0 (Triton has no scalar tensors otherwise)';
  }
  const pieces = (list: number[]) => list.reduce<number[]>((acc, d) => (d === -1 ? [...acc, 1] : [...acc.slice(0, -1), acc.at(-1)! * d]), [1]);
  const a = pieces(dims);
  const b = pieces(shape);
  if (a.length !== b.length || a.some((n, i) => n !== b[i])) {
    return `has a different size for dims [${dims.join(', ')}] and reshape [${shape.join(', ')}] (element counts must match, -1 for -1)`;
  }
  return undefined;
}

function applyTensorOptions(draft: SpecDraft, inputs: Sourced<TensorSpec>[], outputs: Sourced<TensorSpec>[], maxBatchSize: number): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  const byName = new Map([...inputs, ...outputs].map((t) => [t.value.name, { ...t, value: { ...t.value } }]));
  const isInput = new Set(inputs.map((t) => t.value.name));
  for (const optional of draft.optionalInputs ?? []) {
    const tensor = byName.get(optional.value);
    if (!tensor) throw fieldError(optional.label, optional.raw, `no tensor is named ${optional.value}`);
    if (!isInput.has(optional.value)) throw fieldError(optional.label, optional.raw, 'only inputs can be optional');
    tensor.value.optional = true;
  }
  for (const reshape of draft.reshapes ?? []) {
    const tensor = byName.get(reshape.value.name);
    if (!tensor) throw fieldError(reshape.label, reshape.raw, `no tensor is named ${reshape.value.name}`);
    tensor.value.reshape = reshape.value.shape;
  }
  for (const tensor of byName.values()) {
    if (tensor.value.optional && !isInput.has(tensor.value.name)) throw fieldError(tensor.label, tensor.raw, 'only inputs can be optional');
    if (tensor.value.optional === false) delete tensor.value.optional;
    if (tensor.value.reshape) {
      const problem = reshapeProblem(tensor.value.dims, tensor.value.reshape, maxBatchSize);
      if (problem) throw fieldError(tensor.label, tensor.raw, `reshape ${problem}`);
    }
  }
  if ([...byName.values()].filter((t) => isInput.has(t.value.name)).every((t) => t.value.optional)) {
    throw fieldError(inputs[0]!.label, inputs[0]!.raw, 'at least one input must be required (model.py reads the batch size from the inputs a request carries)');
  }
  return { inputs: inputs.map((t) => byName.get(t.value.name)!.value), outputs: outputs.map((t) => byName.get(t.value.name)!.value) };
}
