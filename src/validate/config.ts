/**
 * Triton's load-time rules for one parsed config.pbtxt, each finding at the token it is about.
 * The rules and, where it helps a user search, the wording come from Triton's own sources
 * (triton-inference-server/core: model_config_utils.cc ValidateModelConfig, ValidateIOShape,
 * ValidateBatchIO, ValidateInstanceGroup, ValidateEnsembleSchedulingConfig,
 * AutoCompleteBackendFields; model_repository_manager.cc for the directory name) and Triton's model
 * configuration documentation (docs/user_guide/model_configuration.md). Triton appends " for <model>" to most of
 * its messages; the file path says which model here.
 *
 * What needs the model folder (versions, model files, other models of an ensemble) is checked in
 * ./model.ts, from the summary this returns.
 */

import { getField, lastValue, mapEntries, type ParsedMessage, type ParsedValue } from '../pbtxt/parser.js';
import { enumDescriptor } from '../pbtxt/schema.js';
import type { FindingList, Position } from './findings.js';
import type { DirEntry } from '../repository/read.js';

export interface ConfigContext {
  /** The model folder's name. */
  folderName: string;
  /** The first subfolder by name and its entries: Triton infers a missing backend from it. */
  firstSubdir?: { name: string; entries: DirEntry[] };
  /** Model-relative path of the model file that defines auto_complete_config, when one does. */
  autoCompleteFile?: string;
  /** Whether a model-relative path exists (undefined: cannot tell). */
  pathExists: (relative: string) => boolean | undefined;
}

export interface TensorSummary {
  name: string;
  dataType: string | number;
  /** Exact, as Triton's int64 (a number would round dims above 2^53). */
  dims: bigint[];
  /** The shape the model sees (ensembles compare it), when a reshape is given. */
  reshape?: bigint[];
  optional: boolean;
  at: Position;
}

export type VersionPolicySummary =
  | { kind: 'latest'; numVersions: number; at?: Position }
  | { kind: 'all' }
  | { kind: 'specific'; versions: { version: number; at: Position }[]; at: Position };

export interface EnsembleStepSummary {
  index: number;
  modelName: string;
  /** Step model tensor name → ensemble tensor name, with the entry's position. */
  inputMap: { key: string; value: string; at: Position }[];
  outputMap: { key: string; value: string; at: Position }[];
  at: Position;
}

export interface ModelSummary {
  /** The model name as Triton sees it (config name, else the folder's). */
  name: string;
  /** After Triton's backend auto-completion ('' when none could be determined). */
  backend: string;
  platform: string;
  defaultModelFilename: string;
  maxBatchSize: number;
  maxBatchSizeAt?: Position;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  decoupled: boolean;
  versionPolicy: VersionPolicySummary;
  ensembleSteps?: EnsembleStepSummary[];
}

const WILDCARD = -1n;

// ------------------------------------------------------------------------------------------------
// Reading a parsed message

const valuesOf = (message: ParsedMessage, name: string): ParsedValue[] => getField(message, name)?.values ?? [];
const messagesOf = (message: ParsedMessage, name: string) => valuesOf(message, name).map((value) => ({ value, message: value.value as ParsedMessage }));
const stringOf = (message: ParsedMessage, name: string): string => (lastValue(message, name)?.value as string | undefined) ?? '';
const numberOf = (message: ParsedMessage, name: string): number => {
  const value = lastValue(message, name)?.value;
  return value === undefined ? 0 : Number(value);
};
const boolOf = (message: ParsedMessage, name: string): boolean => lastValue(message, name)?.value === true;
const enumOf = (message: ParsedMessage, name: string, fallback: string): string | number => (lastValue(message, name)?.value as string | number | undefined) ?? fallback;
const has = (message: ParsedMessage, name: string): boolean => valuesOf(message, name).length > 0;
const messageOf = (message: ParsedMessage, name: string): ParsedMessage | undefined => lastValue(message, name)?.value as ParsedMessage | undefined;
const numbersOf = (message: ParsedMessage, name: string) => valuesOf(message, name).map((value) => ({ number: Number(value.value), at: value.at }));
/** int64 dims, exactly: checked and printed as Triton sees them, however large. */
const dimsOf = (message: ParsedMessage, name: string) => valuesOf(message, name).map((value) => ({ dim: BigInt(value.value as bigint | number), at: value.at }));
const start = (value: ParsedValue | undefined): Position | undefined => value?.at;
const TOP: Position = { line: 1, column: 1 };

const quoted = (text: string) => `'${text}'`;

// ------------------------------------------------------------------------------------------------
// Backend and platform (AutoCompleteBackendFields, then ValidateModelConfig's checks)

const TENSORFLOW_PLATFORMS = ['tensorflow_graphdef', 'tensorflow_savedmodel'];
/** Backends Triton knows the platform of; any platform goes with other backends (python included). */
const BACKEND_PLATFORMS: Record<string, string[]> = {
  tensorflow: TENSORFLOW_PLATFORMS,
  tensorrt: ['tensorrt_plan'],
  onnxruntime: ['onnxruntime_onnx'],
  pytorch: ['pytorch_libtorch'],
};

interface BackendResolution {
  backend: string;
  platform: string;
  defaultModelFilename: string;
  /** How a backend missing from the config was found. */
  inferredFrom?: string;
  /** Triton's error when no backend can be determined. */
  problem?: string;
}

function resolveBackend(config: ParsedMessage, context: ConfigContext, modelName: string): BackendResolution {
  let backend = stringOf(config, 'backend');
  let platform = stringOf(config, 'platform');
  let file = stringOf(config, 'default_model_filename');
  const written = backend !== '' || platform !== '';
  const first = context.firstSubdir;
  const inFirst = (name: string, kind?: DirEntry['kind']) => first?.entries.some((e) => e.name === name && (kind === undefined || e.kind === kind)) ?? false;
  const fromFile = (name: string) => (written ? undefined : `${first?.name}/${name}`);
  const result = (inferredFrom?: string): BackendResolution => ({ backend, platform, defaultModelFilename: file, ...(inferredFrom && !written ? { inferredFrom } : {}) });

  if (platform === '' && (backend === '' || backend === 'tensorflow')) {
    if (file === 'model.savedmodel') platform = 'tensorflow_savedmodel';
    else if (file === 'model.graphdef') platform = 'tensorflow_graphdef';
    else if (file === '' && first) {
      if (inFirst('model.savedmodel', 'dir')) platform = 'tensorflow_savedmodel';
      if (inFirst('model.graphdef', 'file')) platform = 'tensorflow_graphdef';
    }
  }
  if (TENSORFLOW_PLATFORMS.includes(platform)) {
    backend ||= 'tensorflow';
    file ||= platform === 'tensorflow_savedmodel' ? 'model.savedmodel' : 'model.graphdef';
    return result(fromFile(file));
  }
  const byFile: [string, string, string | undefined][] = [
    ['tensorrt', 'model.plan', 'tensorrt_plan'],
    ['onnxruntime', 'model.onnx', 'onnxruntime_onnx'],
    ['openvino', 'model.xml', undefined],
    ['pytorch', 'model.pt', 'pytorch_libtorch'],
    ['python', 'model.py', undefined],
  ];
  for (const [name, modelFile, knownPlatform] of byFile) {
    let inferred: string | undefined;
    if (backend === '') {
      if ((knownPlatform !== undefined && platform === knownPlatform) || file === modelFile) backend = name;
      else if (platform === '' && file === '' && inFirst(modelFile, name === 'onnxruntime' || name === 'openvino' || name === 'python' ? undefined : 'file')) {
        backend = name;
        inferred = fromFile(modelFile);
      }
    }
    if (backend === name) {
      if (knownPlatform !== undefined && platform === '') platform = knownPlatform;
      file ||= modelFile;
      return result(inferred ?? (written ? undefined : `default_model_filename "${file}"`));
    }
  }
  if (backend === '' && platform === '' && file === '') {
    // A custom backend, named by the part of the model name after the first dot (model.<backend>).
    const dot = modelName.indexOf('.');
    if (dot < 0) {
      return {
        ...result(),
        problem: `Invalid model name: Could not determine backend for model '${modelName}' with no backend in model configuration. Expected model name of the form 'model.<backend_name>'.`,
      };
    }
    backend = modelName.slice(dot + 1);
    file = `model.${backend}`;
    return result(`the model name '${modelName}'`);
  }
  return result();
}

function checkBackend(config: ParsedMessage, context: ConfigContext, name: string, findings: FindingList): BackendResolution {
  const resolution = resolveBackend(config, context, name);
  const platformAt = start(lastValue(config, 'platform'));
  const backendAt = start(lastValue(config, 'backend'));
  if (resolution.problem) {
    findings.error(TOP, 'missing-backend', `must specify 'platform' or 'backend': ${resolution.problem}`);
    return resolution;
  }
  if (resolution.inferredFrom) {
    findings.warning(TOP, 'implicit-backend', `no 'backend' or 'platform': Triton infers backend '${resolution.backend}' from ${resolution.inferredFrom}; write backend: "${resolution.backend}" to say so`);
  }
  const { backend, platform } = resolution;
  if (backend === '' && platform !== 'ensemble') {
    findings.error(platformAt ?? TOP, 'backend-platform', `unexpected platform type '${platform}' (known platforms: tensorrt_plan, onnxruntime_onnx, pytorch_libtorch, tensorflow_graphdef, tensorflow_savedmodel, ensemble; or give a backend)`);
  } else if (backend !== '' && platform === 'ensemble') {
    findings.error(backendAt ?? platformAt ?? TOP, 'backend-platform', `Ensemble model '${name}' must have platform type 'ensemble' and empty backend type`);
  } else if (BACKEND_PLATFORMS[backend] && !(BACKEND_PLATFORMS[backend] as string[]).includes(platform)) {
    findings.error(platformAt ?? backendAt ?? TOP, 'backend-platform', `unexpected 'platform' and 'backend' pair, got:${platform}, ${backend}`);
  }
  return resolution;
}

// ------------------------------------------------------------------------------------------------
// Inputs and outputs (ValidateIOShape, ValidateModelInput/Output)

/** Element count as Triton's GetElementCount: -1 when a dimension is variable, 0 for an empty list. */
function elementCount(dims: bigint[]): bigint {
  if (dims.some((d) => d === WILDCARD)) return WILDCARD;
  return dims.length === 0 ? 0n : dims.reduce((a, b) => a * b, 1n);
}

/** Products of the runs of fixed dimensions between variable ones: [2, 4, -1, 6] → [8, 6]. */
function pieces(dims: bigint[]): bigint[] {
  const result: bigint[] = [];
  let current = 1n;
  for (const dim of dims) {
    if (dim === WILDCARD) {
      result.push(current);
      current = 1n;
    } else current *= dim;
  }
  result.push(current);
  return result;
}

function checkTensors(config: ParsedMessage, side: 'input' | 'output', maxBatchSize: number, platform: string, context: ConfigContext, findings: FindingList): TensorSummary[] {
  const tensors: TensorSummary[] = [];
  const what = `model ${side}`;
  for (const { value, message } of messagesOf(config, side)) {
    const nameValue = lastValue(message, 'name');
    const name = stringOf(message, 'name');
    const tensorAt = value.at;
    if (name === '') {
      findings.error(tensorAt, 'tensor', `${what} must specify 'name'`);
      continue;
    }
    const prefix = `${what} ${quoted(name)}`;
    const dataType = enumOf(message, 'data_type', 'TYPE_INVALID');
    const dims = dimsOf(message, 'dims');
    const reshape = messageOf(message, 'reshape');
    const reshapeDims = reshape ? dimsOf(reshape, 'shape') : [];
    tensors.push({
      name,
      dataType,
      dims: dims.map((d) => d.dim),
      ...(reshape ? { reshape: reshapeDims.map((d) => d.dim) } : {}),
      optional: boolOf(message, 'optional'),
      at: nameValue?.at ?? tensorAt,
    });

    if (dataType === 'TYPE_INVALID' || dataType === 0) {
      findings.error(start(lastValue(message, 'data_type')) ?? tensorAt, 'data-type', `${prefix} must specify 'data_type'`);
    } else if (typeof dataType === 'number') {
      findings.error(start(lastValue(message, 'data_type')), 'data-type', `${prefix} has data type ${dataType}, which is not a DataType value`);
    }
    if (dims.length === 0) {
      findings.error(start(getField(message, 'dims')?.values[0]) ?? (getField(message, 'dims')?.nameAt[0] ?? tensorAt), 'dims', `${prefix} must specify 'dims' (Triton has no scalar tensors: use dims: [ 1 ])`);
    }
    if (reshape && reshapeDims.length === 0 && maxBatchSize === 0) {
      findings.error(reshape.at, 'reshape', `${prefix} cannot have empty reshape for non-batching model as scalar tensors are not supported`);
    }
    for (const dim of dims) {
      if (dim.dim < 1n && dim.dim !== WILDCARD) {
        findings.error(dim.at, 'dims', `${prefix} dimension must be integer >= 1, or -1 to indicate a variable-size dimension (got ${dim.dim})`);
      }
    }
    if (reshape && dims.length > 0) {
      const badReshape = reshapeDims.find((dim) => dim.dim < 1n && dim.dim !== WILDCARD);
      if (badReshape) {
        findings.error(badReshape.at, 'reshape', `${prefix} reshape dimensions must be integer >= 1, or -1 to indicate a variable-size dimension (got ${badReshape.dim})`);
      } else if (!dims.some((d) => d.dim < 1n && d.dim !== WILDCARD)) {
        const dimsList = dims.map((d) => d.dim);
        const shapeList = reshapeDims.map((d) => d.dim);
        const dimsSize = elementCount(dimsList);
        const reshapeSize = elementCount(shapeList);
        const shown = `dims [${dimsList.join(', ')}], reshape [${shapeList.join(', ')}]`;
        if (dimsSize !== reshapeSize && (reshapeSize !== 0n || dimsSize !== 1n)) {
          findings.error(reshape.at, 'reshape', `${prefix} has different size for dims and reshape (${shown})`);
        } else if (dimsSize === WILDCARD) {
          const a = pieces(dimsList);
          const b = pieces(shapeList);
          if (a.length !== b.length) findings.error(reshape.at, 'reshape', `${prefix} has different number of variable-size dimensions for dims and reshape (${shown})`);
          else if (a.some((n, i) => n !== b[i])) findings.error(reshape.at, 'reshape', `${prefix} has different size for dims and reshape (${shown})`);
        }
      }
    }
    if (side === 'input') {
      const format = enumOf(message, 'format', 'FORMAT_NONE');
      if ((format === 'FORMAT_NHWC' || format === 'FORMAT_NCHW') && dims.length !== 3) {
        findings.error(start(lastValue(message, 'format')), 'dims', `${prefix}: model input NHWC/NCHW require 3 dims (got ${dims.length})`);
      }
    }
    if (platform !== 'tensorrt_plan' && boolOf(message, 'is_shape_tensor')) {
      findings.error(start(lastValue(message, 'is_shape_tensor')), 'tensor', `${prefix}: shape tensors are only supported for TensorRT platform`);
    }
    if (boolOf(message, 'is_non_linear_format_io')) {
      if (platform !== 'tensorrt_plan') findings.error(start(lastValue(message, 'is_non_linear_format_io')), 'tensor', `${prefix}: Non-linear IO format is only supported for the TensorRT platform`);
      else if (dims.length !== 3) findings.error(start(lastValue(message, 'is_non_linear_format_io')), 'tensor', `${prefix}: Non-linear IO format ${side} requires 3 dims`);
    }
    if (side === 'output' && has(message, 'label_filename')) {
      const labelValue = lastValue(message, 'label_filename') as ParsedValue;
      const label = labelValue.value as string;
      const normalised = normaliseRelative(label);
      if (normalised === undefined) {
        findings.error(labelValue.at, 'label-file', `label file path '${label}' for output '${name}' is outside model directory`);
      } else if (context.pathExists(normalised) === false) {
        findings.error(labelValue.at, 'label-file', `label file '${label}' for output '${name}' does not exist in the model folder (Triton reads it when it loads the model)`);
      }
    }
  }
  return tensors;
}

/** A path relative to the model folder without `..` escaping it, '/'-separated; undefined when it escapes or is absolute. */
export function normaliseRelative(relative: string): string | undefined {
  if (relative.startsWith('/') || relative === '') return undefined;
  const parts: string[] = [];
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

function checkTensorNames(inputs: TensorSummary[], outputs: TensorSummary[], findings: FindingList): void {
  const seen = new Map<string, { side: string; at: Position }>();
  for (const [side, list] of [['input', inputs], ['output', outputs]] as const) {
    for (const tensor of list) {
      const previous = seen.get(tensor.name);
      if (!previous) {
        seen.set(tensor.name, { side, at: tensor.at });
        continue;
      }
      const where = `line ${previous.at.line}`;
      findings.error(
        tensor.at,
        'duplicate-tensor',
        previous.side === side
          ? `duplicate ${side} name '${tensor.name}' (also at ${where}): Triton keeps the first and still counts both as required, so every request fails`
          : `'${tensor.name}' is both an input (${where}) and an output: tensor names must be unique across inputs and outputs`,
      );
    }
  }
}

/** A leading -1 on every tensor of a batching model usually means the batch dimension was written into dims. */
function checkBatchDimension(maxBatchSize: number, maxBatchSizeAt: Position | undefined, tensors: TensorSummary[], findings: FindingList): void {
  if (maxBatchSize <= 0 || tensors.length === 0) return;
  if (!tensors.every((t) => t.dims.length >= 2 && t.dims[0] === WILDCARD)) return;
  const example = tensors[0] as TensorSummary;
  findings.warning(
    maxBatchSizeAt,
    'batch-dimension',
    `max_batch_size is ${maxBatchSize}, so the batch dimension is implicit and never listed in dims; every tensor's dims start with -1 (e.g. '${example.name}' [${example.dims.join(', ')}] is shape [batch, ${example.dims.join(', ')}]): drop the leading -1 if it meant the batch`,
  );
}

// ------------------------------------------------------------------------------------------------
// Scheduling

function checkPreferredSizes(values: { number: number; at: Position }[], maxBatchSize: number, what: string, findings: FindingList): void {
  for (const size of values) {
    if (size.number <= 0) findings.error(size.at, 'batching', `${what} must be positive (got ${size.number})`);
    else if (size.number > maxBatchSize) findings.error(size.at, 'batching', `${what} must be <= max batch size (got ${size.number}, max_batch_size is ${maxBatchSize})`);
  }
}

function checkDynamicBatching(config: ParsedMessage, maxBatchSize: number, context: ConfigContext, findings: FindingList): void {
  const value = lastValue(config, 'dynamic_batching');
  if (!value) return;
  const batching = value.value as ParsedMessage;
  if (maxBatchSize === 0 && !context.autoCompleteFile) {
    findings.warning(value.nameAt, 'batching', 'dynamic_batching needs max_batch_size > 0: with max_batch_size 0 there is no batch dimension and Triton never batches requests (set max_batch_size, or remove dynamic_batching)');
  }
  checkPreferredSizes(numbersOf(batching, 'preferred_batch_size'), maxBatchSize, 'dynamic batching preferred size', findings);

  const levelsValue = lastValue(batching, 'priority_levels');
  const levels = numberOf(batching, 'priority_levels');
  const queuePolicies = getField(batching, 'priority_queue_policy');
  if (levels !== 0) {
    const defaultLevel = numberOf(batching, 'default_priority_level');
    if (defaultLevel === 0 || defaultLevel > levels) {
      findings.error(start(lastValue(batching, 'default_priority_level')) ?? start(levelsValue), 'batching', `default priority level must be in range [1, ${levels}] (got ${defaultLevel})`);
    }
    for (const entry of queuePolicies ? mapEntries(queuePolicies) : []) {
      const level = Number(entry.key);
      if (level === 0 || level > levels) findings.error(entry.entry.at, 'batching', `priority queue policy must have priority level in range [1, ${levels}] (got ${level})`);
    }
  } else if (has(batching, 'default_priority_level') || (queuePolicies?.values.length ?? 0) > 0) {
    const at = start(lastValue(batching, 'default_priority_level')) ?? queuePolicies?.values[0]?.at;
    findings.warning(at, 'batching', 'default_priority_level and priority_queue_policy are ignored without priority_levels');
  }

  if (boolOf(batching, 'preserve_ordering')) {
    const orderingAt = start(lastValue(batching, 'preserve_ordering'));
    if (levels > 1) findings.error(orderingAt, 'batching', `Only one priority level is allowed when 'preserve_ordering' is true (priority_levels is ${levels})`);
    const delayPolicy = (policy: ParsedMessage | undefined) => policy !== undefined && numberOf(policy, 'default_timeout_microseconds') !== 0 && enumOf(policy, 'timeout_action', 'REJECT') === 'DELAY';
    const policies = [messageOf(batching, 'default_queue_policy'), ...(queuePolicies ? mapEntries(queuePolicies).map((e) => e.value?.value as ParsedMessage | undefined) : [])];
    if (policies.some(delayPolicy)) findings.error(orderingAt, 'batching', "Queue policy can not have DELAY as timeout action when 'preserve_ordering' is true");
  }
}

const BOOL_CONTROLS = ['CONTROL_SEQUENCE_START', 'CONTROL_SEQUENCE_END', 'CONTROL_SEQUENCE_READY'];
const CORRID_TYPES = ['TYPE_UINT64', 'TYPE_INT64', 'TYPE_UINT32', 'TYPE_INT32', 'TYPE_STRING'];
const VALUE_FORMS = ['int32_false_true', 'fp32_false_true', 'bool_false_true'];

function checkSequenceBatching(config: ParsedMessage, maxBatchSize: number, findings: FindingList): void {
  const value = lastValue(config, 'sequence_batching');
  if (!value) return;
  const batcher = value.value as ParsedMessage;
  const cache = messageOf(config, 'response_cache');
  if (cache && boolOf(cache, 'enable')) {
    findings.error(start(lastValue(cache, 'enable')), 'response-cache', 'Response Cache does not currently support models with sequence batching scheduler. Please disable the response cache.');
  }

  const controlInputs = messagesOf(batcher, 'control_input');
  // Each tensor once, with a name; each control kind at most once, with one value form.
  const seenTensors = new Set<string>();
  for (const { value: inputValue, message: controlInput } of controlInputs) {
    const name = stringOf(controlInput, 'name');
    if (name === '') findings.error(inputValue.at, 'sequence-batching', 'sequence batching control tensor must have a name');
    else if (seenTensors.has(name)) findings.error(start(lastValue(controlInput, 'name')), 'sequence-batching', `sequence batching control tensor '${name}' is specified for multiple control kinds`);
    seenTensors.add(name);
  }
  const seenKinds = new Map<string, string>();
  for (const { message: controlInput } of controlInputs) {
    for (const { value: controlValue, message: control } of messagesOf(controlInput, 'control')) {
      const kind = String(enumOf(control, 'kind', 'CONTROL_SEQUENCE_START'));
      const at = start(lastValue(control, 'kind')) ?? controlValue.at;
      const previous = seenKinds.get(kind);
      if (previous !== undefined) findings.error(at, 'sequence-batching', `sequence batching specifies multiple ${kind} tensors ('${previous}' and '${stringOf(controlInput, 'name')}')`);
      seenKinds.set(kind, stringOf(controlInput, 'name'));
      const forms = VALUE_FORMS.filter((form) => has(control, form));
      if (BOOL_CONTROLS.includes(kind)) {
        if (forms.length === 0) findings.error(at, 'sequence-batching', `sequence batching must specify either 'int32_false_true', 'fp32_false_true' or 'bool_false_true' for ${kind}`);
        else if (forms.length > 1) findings.error(at, 'sequence-batching', `sequence batching specifies more than one from 'int32_false_true', 'fp32_false_true' and 'bool_false_true' for ${kind}`);
        else {
          const form = forms[0] as string;
          const count = valuesOf(control, form).length;
          if (count !== 2) findings.error(start(valuesOf(control, form)[0]), 'sequence-batching', `sequence batching control '${form}' must have exactly 2 entries for ${kind} (got ${count})`);
        }
      } else if (kind === 'CONTROL_SEQUENCE_CORRID') {
        if (forms.length > 0) findings.error(at, 'sequence-batching', `sequence batching must not specify either 'int32_false_true', 'fp32_false_true' or 'bool_false_true' for ${kind}`);
        const dataType = String(enumOf(control, 'data_type', 'TYPE_INVALID'));
        if (!CORRID_TYPES.includes(dataType)) {
          findings.error(start(lastValue(control, 'data_type')) ?? at, 'sequence-batching', `unexpected data type for control ${kind}${dataType === 'TYPE_INVALID' ? ' (none given)' : ` (${dataType})`}. Allowed data types are TYPE_UINT64, TYPE_INT64, TYPE_UINT32, TYPE_INT32 and TYPE_STRING`);
        }
      }
    }
  }

  const oldest = messageOf(batcher, 'oldest');
  if (oldest) checkPreferredSizes(numbersOf(oldest, 'preferred_batch_size'), maxBatchSize, 'sequence batching preferred batch size', findings);
  const direct = messageOf(batcher, 'direct');
  if (direct) {
    const utilization = numberOf(direct, 'minimum_slot_utilization');
    if (!(utilization >= 0 && utilization <= 1)) {
      findings.error(start(lastValue(direct, 'minimum_slot_utilization')), 'sequence-batching', `sequence batching minimum slot utilization must be in range (0.0, 1.0] (got ${utilization})`);
    }
  }
  for (const { value: stateValue, message: state } of messagesOf(batcher, 'state')) {
    for (const field of ['input_name', 'output_name']) {
      if (stringOf(state, field) === '') findings.error(stateValue.at, 'sequence-batching', `sequence batching state must specify '${field}'`);
    }
    const stateType = enumOf(state, 'data_type', 'TYPE_INVALID');
    if (stateType === 'TYPE_INVALID' || stateType === 0) findings.error(stateValue.at, 'sequence-batching', "sequence batching state must specify 'data_type'");
    const dims = dimsOf(state, 'dims');
    if (dims.length === 0) findings.error(stateValue.at, 'sequence-batching', "sequence batching state must specify 'dims'");
    for (const dim of dims) {
      if (dim.dim < 1n && dim.dim !== WILDCARD) findings.error(dim.at, 'sequence-batching', `sequence batching state dimension must be integer >= 1, or -1 to indicate a variable-size dimension (got ${dim.dim})`);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Ensembles (ValidateEnsembleSchedulingConfig: the config alone; ./model.ts checks the step models)

interface EnsembleNode {
  name: string;
  isOutput: boolean;
  ready: boolean;
  prev: EnsembleNode[];
  next: EnsembleNode[];
}

function checkEnsemble(config: ParsedMessage, name: string, platform: string, findings: FindingList): EnsembleStepSummary[] | undefined {
  const value = lastValue(config, 'ensemble_scheduling');
  if (!value) {
    if (platform === 'ensemble') {
      findings.error(start(lastValue(config, 'platform')), 'ensemble', `ensemble scheduling must be set for ensemble ${name} whose platform is ensemble`);
    }
    return undefined;
  }
  if (platform !== 'ensemble') {
    findings.error(value.nameAt, 'ensemble', `ensemble scheduling cannot be set for model '${name}' whose platform is not ensemble (set platform: "ensemble" and no backend)`);
    return undefined;
  }
  const scheduling = value.value as ParsedMessage;
  const group = getField(config, 'instance_group');
  if (group) findings.error(group.nameAt[0], 'ensemble', `instance group should not be specified for ensemble '${name}'`);
  const optimization = getField(config, 'optimization');
  if (optimization) findings.error(optimization.nameAt[0], 'ensemble', `optimization should not be specified for ensemble '${name}'`);
  const warmup = getField(config, 'model_warmup');
  if (warmup && warmup.values.length > 0) findings.error(warmup.nameAt[0], 'ensemble', `model_warmup can not be specified for ensemble '${name}'`);

  const steps: EnsembleStepSummary[] = messagesOf(scheduling, 'step').map(({ value: stepValue, message: step }, index) => {
    const entries = (field: string) => {
      const mapField = getField(step, field);
      return mapField ? mapEntries(mapField).map((e) => ({ key: String(e.key), value: (e.value?.value as string | undefined) ?? '', at: e.entry.at })) : [];
    };
    return { index, modelName: stringOf(step, 'model_name'), inputMap: entries('input_map'), outputMap: entries('output_map'), at: stepValue.at };
  });
  if (steps.length === 0) {
    findings.error(value.nameAt, 'ensemble', `must specify 'step' for ensemble '${name}'`);
    return steps;
  }

  // The data-flow graph: ensemble tensors are nodes, each step links its inputs to its outputs.
  const nodes = new Map<string, EnsembleNode>();
  const node = (tensor: string, isOutput: boolean) => {
    let found = nodes.get(tensor);
    if (!found) {
      found = { name: tensor, isOutput, ready: false, prev: [], next: [] };
      nodes.set(tensor, found);
    }
    return found;
  };
  for (const step of steps) {
    const where = `in step ${step.index} of ensemble '${name}'`;
    if (step.modelName === '') findings.error(step.at, 'ensemble', `must specify 'model_name' ${where}`);
    if (step.inputMap.length === 0) findings.error(step.at, 'ensemble', `must specify 'input_map' ${where}`);
    if (step.outputMap.length === 0) findings.error(step.at, 'ensemble', `must specify 'output_map' ${where}`);
    if (step.modelName === '' || step.inputMap.length === 0 || step.outputMap.length === 0) return steps;
    const produced: EnsembleNode[] = [];
    for (const entry of uniqueByKey(step.outputMap)) {
      const existing = nodes.get(entry.value);
      if (existing?.isOutput) {
        findings.error(entry.at, 'ensemble', `ensemble tensor '${entry.value}' can appear in an output map only once for ensemble '${name}' step ${step.index}`);
        return steps;
      }
      const target = existing ?? node(entry.value, true);
      target.isOutput = true;
      produced.push(target);
    }
    for (const entry of uniqueByKey(step.inputMap)) {
      const source = node(entry.value, false);
      for (const output of produced) {
        output.prev.push(source);
        source.next.push(output);
      }
    }
  }
  const queue: EnsembleNode[] = [];
  for (const { message: input } of messagesOf(config, 'input')) {
    const tensor = stringOf(input, 'name');
    const found = nodes.get(tensor);
    if (!found) {
      findings.error(start(lastValue(input, 'name')), 'ensemble', `ensemble input '${tensor}' for ensemble '${name}' is not used`);
      return steps;
    }
    found.ready = true;
    queue.push(found);
  }
  while (queue.length > 0) {
    const ready = queue.shift() as EnsembleNode;
    for (const next of ready.next) {
      if (next.ready) continue;
      if (next.prev.every((p) => p.ready)) {
        next.ready = true;
        queue.push(next);
      }
    }
  }
  const outputs = new Set<string>();
  for (const { message: output } of messagesOf(config, 'output')) {
    const tensor = stringOf(output, 'name');
    const at = start(lastValue(output, 'name'));
    const found = nodes.get(tensor);
    if (!found) {
      findings.error(at, 'ensemble', `ensemble output '${tensor}' for ensemble '${name}' is not used`);
      return steps;
    }
    if (!found.ready) {
      // Follow the not-ready tensors back to the first one nothing writes.
      let last = found;
      const seen = new Set<string>();
      for (let prev = found.prev; prev.length > 0; ) {
        const notReady = prev.find((p) => !p.ready && !seen.has(p.name));
        if (!notReady) break;
        seen.add(notReady.name);
        last = notReady;
        prev = notReady.prev;
      }
      const cause = last.name !== found.name ? `: at least one of its depending tensors, '${last.name}', is not connected` : '';
      findings.error(at, 'ensemble', `output '${tensor}' for ensemble '${name}' is not written${cause}`);
      return steps;
    }
    outputs.add(tensor);
  }
  for (const [tensor, found] of nodes) {
    if (outputs.has(tensor)) continue;
    if (!found.ready || found.next.length === 0) {
      const at = steps.flatMap((s) => [...s.inputMap, ...s.outputMap]).find((e) => e.value === tensor)?.at;
      findings.error(at, 'ensemble', `ensemble tensor '${tensor}' is unused in ensemble '${name}'`);
      return steps;
    }
  }
  return steps;
}

/** Map entries as protobuf reads them: a later duplicate key replaces the earlier one. */
function uniqueByKey<T extends { key: string }>(entries: T[]): T[] {
  const byKey = new Map<string, T>();
  for (const entry of entries) byKey.set(entry.key, entry);
  return [...byKey.values()];
}

// ------------------------------------------------------------------------------------------------
// Instance groups, batch inputs/outputs, parameters, caches, metrics

function checkInstanceGroups(config: ParsedMessage, name: string, platform: string, findings: FindingList): void {
  messagesOf(config, 'instance_group').forEach(({ message: group }, index) => {
    const groupName = stringOf(group, 'name') || `${name}_${index}`;
    const prefix = `instance group ${groupName} of model ${name}`;
    const kind = String(enumOf(group, 'kind', 'KIND_AUTO'));
    const gpus = numbersOf(group, 'gpus');
    if ((kind === 'KIND_CPU' || kind === 'KIND_MODEL') && gpus.length > 0) {
      findings.error(gpus[0]?.at, 'instance-group', `${prefix} has kind ${kind} but specifies one or more GPUs`);
    }
    for (const gpu of gpus) {
      if (gpu.number < 0) findings.error(gpu.at, 'instance-group', `${prefix} specifies invalid or unsupported gpu id ${gpu.number} (GPU ids are >= 0)`);
    }
    if (!['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL'].includes(kind)) {
      findings.error(start(lastValue(group, 'kind')), 'instance-group', `${prefix} has unknown kind ${kind}`);
    }
    const countValue = lastValue(group, 'count');
    if (countValue && Number(countValue.value) < 1) {
      findings.warning(countValue.at, 'instance-group', `${prefix} has count ${Number(countValue.value)}: a count below 1 means Triton's default (1 instance), write count: 1 or more`);
    }
    const profiles = valuesOf(group, 'profile');
    if (profiles.length > 0 && platform !== 'tensorrt_plan') {
      findings.error(profiles[0]?.at, 'instance-group', `${prefix} and platform ${platform || '(none)'} specifies profile field which is only supported for TensorRT models`);
    } else {
      for (const profile of profiles) {
        if (!/^\d+$/.test(String(profile.value))) findings.error(profile.at, 'instance-group', `${prefix} specifies invalid profile ${String(profile.value)}. The field should contain the string representation of a non-negative integer.`);
      }
    }
  });
}

const BATCH_INPUT_KINDS = enumDescriptor('BatchInput.Kind').values.map((value) => value.name);

function checkBatchIo(config: ParsedMessage, inputs: TensorSummary[], outputs: TensorSummary[], findings: FindingList): void {
  const inputNames = new Set(inputs.map((t) => t.name));
  const outputNames = new Set(outputs.map((t) => t.name));
  const checkSources = (message: ParsedMessage, kind: string, what: string, at: Position) => {
    const sources = valuesOf(message, 'source_input');
    if (sources.length !== 1) {
      findings.error(start(sources[1]) ?? at, 'batch-io', `${what} kind '${kind}' expects 1 source input, got ${sources.length}`);
    }
    for (const source of sources) {
      if (!inputNames.has(String(source.value))) findings.error(source.at, 'batch-io', `unknown source input name '${String(source.value)}' (inputs: ${[...inputNames].join(', ') || 'none'})`);
    }
  };
  for (const { value, message } of messagesOf(config, 'batch_input')) {
    const kind = String(enumOf(message, 'kind', 'BATCH_ELEMENT_COUNT'));
    const at = start(lastValue(message, 'kind')) ?? value.at;
    if (!BATCH_INPUT_KINDS.includes(kind)) {
      findings.error(at, 'batch-io', `unknown batch input kind '${kind}'`);
      continue;
    }
    checkSources(message, kind, 'batch input', at);
    const dataType = String(enumOf(message, 'data_type', 'TYPE_INVALID'));
    if (dataType !== 'TYPE_INT32' && dataType !== 'TYPE_FP32') {
      findings.error(start(lastValue(message, 'data_type')) ?? value.at, 'batch-io', `batch input data type must be TYPE_INT32 or TYPE_FP32 (got ${dataType})`);
    }
    if (valuesOf(message, 'target_name').length === 0) findings.error(value.at, 'batch-io', "batch input must specify 'target_name'");
  }
  for (const { value, message } of messagesOf(config, 'batch_output')) {
    const kind = String(enumOf(message, 'kind', 'BATCH_SCATTER_WITH_INPUT_SHAPE'));
    const at = start(lastValue(message, 'kind')) ?? value.at;
    if (kind !== 'BATCH_SCATTER_WITH_INPUT_SHAPE') {
      findings.error(at, 'batch-io', `unknown batch output kind '${kind}'`);
      continue;
    }
    checkSources(message, kind, 'batch output', at);
    const targets = new Set<string>();
    for (const target of valuesOf(message, 'target_name')) {
      const targetName = String(target.value);
      if (!outputNames.has(targetName)) findings.error(target.at, 'batch-io', `unknown target output name '${targetName}' (outputs: ${[...outputNames].join(', ') || 'none'})`);
      else if (targets.has(targetName)) findings.error(target.at, 'batch-io', `target output name '${targetName}' can only be specified once`);
      targets.add(targetName);
    }
  }
}

function checkParameters(config: ParsedMessage, backend: string, context: ConfigContext, findings: FindingList): void {
  const field = getField(config, 'parameters');
  if (!field) return;
  const seen = new Map<string, Position>();
  for (const entry of mapEntries(field)) {
    const key = String(entry.key);
    const at = entry.entry.at;
    if (key === '') findings.warning(at, 'parameters', 'parameter without a key (write key: "name")');
    const previous = seen.get(key);
    if (previous) findings.warning(at, 'parameters', `parameter '${key}' is set again (first at line ${previous.line}): the last value wins`);
    seen.set(key, at);
    const parameter = entry.value?.value as ParsedMessage | undefined;
    if (!parameter || !has(parameter, 'string_value')) {
      findings.warning(at, 'parameters', `parameter '${key}' has no value { string_value: "..." }: model.py reads it as ""`);
      continue;
    }
    const value = stringOf(parameter, 'string_value');
    const valueAt = start(lastValue(parameter, 'string_value'));
    if (backend !== 'python') continue;
    if (key === 'FORCE_CPU_ONLY_INPUT_TENSORS' && value !== 'yes' && value !== 'no') {
      findings.warning(valueAt, 'parameters', `FORCE_CPU_ONLY_INPUT_TENSORS is "${value}": the Python backend understands "yes" (default) or "no"`);
    }
    if (key === 'EXECUTION_ENV_PATH') {
      const prefix = '$$TRITON_MODEL_DIRECTORY/';
      if (value.startsWith(prefix)) {
        const relative = normaliseRelative(value.slice(prefix.length));
        if (relative !== undefined && context.pathExists(relative) === false) {
          findings.warning(valueAt, 'parameters', `EXECUTION_ENV_PATH: '${value.slice(prefix.length)}' does not exist in the model folder (the Python backend fails to load the model without it)`);
        }
      }
    }
  }
}

function checkResponseCache(config: ParsedMessage, findings: FindingList): void {
  const cache = messageOf(config, 'response_cache');
  const policy = messageOf(config, 'model_transaction_policy');
  if (cache && boolOf(cache, 'enable') && policy && boolOf(policy, 'decoupled')) {
    findings.error(start(lastValue(cache, 'enable')), 'response-cache', "Response Cache does not currently support models with 'decoupled' transaction policy. Please disable the response cache.");
  }
}

function checkModelMetrics(config: ParsedMessage, findings: FindingList): void {
  const metrics = messageOf(config, 'model_metrics');
  if (!metrics) return;
  for (const { value, message: control } of messagesOf(metrics, 'metric_control')) {
    const identifier = messageOf(control, 'metric_identifier');
    const histogram = messageOf(control, 'histogram_options');
    if (!identifier) findings.error(value.at, 'model-metrics', "metric control must specify 'metric_identifier'");
    else if (stringOf(identifier, 'family') === '') findings.error(lastValue(control, 'metric_identifier')?.at, 'model-metrics', "metric identifier must specify non-empty 'family'");
    if (!histogram) findings.error(value.at, 'model-metrics', "metric control must specify 'histogram_options'");
    else if (valuesOf(histogram, 'buckets').length === 0) findings.error(lastValue(control, 'histogram_options')?.at, 'model-metrics', "histogram options must specify non-empty 'buckets'");
  }
}

function versionPolicyOf(config: ParsedMessage): VersionPolicySummary {
  const policy = messageOf(config, 'version_policy');
  const latest = policy && lastValue(policy, 'latest');
  if (!policy || (!latest && !has(policy, 'all') && !has(policy, 'specific'))) return { kind: 'latest', numVersions: 1 };
  if (latest) {
    const numValue = lastValue(latest.value as ParsedMessage, 'num_versions');
    return { kind: 'latest', numVersions: numValue ? Number(numValue.value) : 0, at: numValue?.at ?? latest.at };
  }
  if (has(policy, 'all')) return { kind: 'all' };
  const specific = lastValue(policy, 'specific') as ParsedValue;
  return { kind: 'specific', versions: numbersOf(specific.value as ParsedMessage, 'versions').map((v) => ({ version: v.number, at: v.at })), at: specific.at };
}

// ------------------------------------------------------------------------------------------------

/** Every config-only rule; returns what the folder-level checks need. */
export function checkConfig(config: ParsedMessage, context: ConfigContext, findings: FindingList): ModelSummary {
  const nameValue = lastValue(config, 'name');
  const configName = stringOf(config, 'name');
  if (nameValue && configName !== context.folderName) {
    findings.error(nameValue.at, 'name-mismatch', `unexpected directory name '${context.folderName}' for model '${configName}', directory name must equal model name`);
  }
  const name = configName || context.folderName;
  if (name === 'stats') findings.warning(nameValue?.at, 'model-name', "a model named 'stats' cannot be reached over HTTP: /v2/models/stats is Triton's statistics endpoint");

  const { backend, platform, defaultModelFilename } = checkBackend(config, context, name, findings);

  const maxBatchValue = lastValue(config, 'max_batch_size');
  const maxBatchSize = numberOf(config, 'max_batch_size');
  if (maxBatchSize < 0) findings.error(maxBatchValue?.at, 'max-batch-size', `'max_batch_size' must be non-negative value (got ${maxBatchSize})`);
  const batchSize = Math.max(0, maxBatchSize);

  const inputs = checkTensors(config, 'input', batchSize, platform, context, findings);
  const outputs = checkTensors(config, 'output', batchSize, platform, context, findings);
  checkTensorNames(inputs, outputs, findings);
  checkBatchDimension(batchSize, maxBatchValue?.at, [...inputs, ...outputs], findings);

  if (backend === 'python') {
    // Without auto_complete_config nothing adds tensors: a model without outputs answers nothing.
    const missing = [...(inputs.length === 0 && !has(config, 'input') ? ['input'] : []), ...(outputs.length === 0 && !has(config, 'output') ? ['output'] : [])];
    if (context.autoCompleteFile) {
      const left = [...missing, ...(maxBatchValue ? [] : ['max_batch_size'])];
      if (left.length > 0) {
        findings.warning(TOP, 'auto-complete', `no ${left.map(quoted).join(', ')} in config.pbtxt: left to auto_complete_config in ${context.autoCompleteFile} (checked only when Triton loads the model)`);
      }
    } else {
      for (const side of missing) findings.error(TOP, 'tensor', `no '${side}' tensors: declare them in config.pbtxt (or have model.py define auto_complete_config to add them)`);
    }
  }

  checkDynamicBatching(config, batchSize, context, findings);
  checkSequenceBatching(config, batchSize, findings);
  const ensembleSteps = checkEnsemble(config, name, platform, findings);
  if (!has(config, 'ensemble_scheduling')) checkInstanceGroups(config, name, platform, findings);
  checkBatchIo(config, inputs, outputs, findings);
  checkParameters(config, backend, context, findings);
  checkResponseCache(config, findings);
  checkModelMetrics(config, findings);

  const policy = messageOf(config, 'model_transaction_policy');
  return {
    name,
    backend,
    platform,
    defaultModelFilename,
    maxBatchSize: batchSize,
    ...(maxBatchValue ? { maxBatchSizeAt: maxBatchValue.at } : {}),
    inputs,
    outputs,
    decoupled: policy !== undefined && boolOf(policy, 'decoupled'),
    versionPolicy: versionPolicyOf(config),
    ...(ensembleSteps ? { ensembleSteps } : {}),
  };
}
