/**
 * The JSON forms of a ModelConfig.
 *
 * toJson(message: ParsedMessage): PbJsonObject
 *   What the text says, in Triton's JSON shape: proto field names; repeated fields as arrays;
 *   map fields as objects keyed by the key's text (a later duplicate key wins); enums as names
 *   (a number that names no value stays a number); int64/uint64 as JS numbers when
 *   `Number.isSafeInteger`, else decimal strings; float fields with 6 significant digits, or 9 when
 *   6 do not read back as the same float32 (protobuf's C++ SimpleFtoa); NaN/±infinity as "NaN"/"Infinity"/"-Infinity" (protobuf's JSON).
 *   Only fields written in the text appear, in the order they first appear; a singular field takes
 *   its last value. An empty map (`parameters []`) is left out, since text format cannot write one.
 *   printTextProto() prints the result back to text that parses to the same message.
 *
 * withProto3Defaults(json: PbJsonObject, type = 'ModelConfig'): PbJsonObject
 *   protobuf's own JSON of the message (step 4 below without Triton's fix-up).
 *
 * withTritonDefaults(config: PbJsonObject, options?: TritonDefaultsOptions): PbJsonObject
 *   The normalised config Triton gives a Python model as `json.loads(args["model_config"])` (and
 *   serves at /v2/models/<m>/config), built from a toJson()-shaped config in four steps, each taken
 *   from Triton's sources (triton-inference-server/core, src/model_config_utils.cc):
 *   1. AutoCompleteBackendFields, the Python-backend part only: `name` from `options.modelName`
 *      when empty; `default_model_filename: "model.py"` for backend "python"; backend "python" when
 *      no backend/platform is set and default_model_filename is "model.py". (Rules for other
 *      backends need the version directory's contents and are not applied.)
 *   2. NormalizeModelConfig: version_policy defaults to `latest { num_versions: 1 }`; with
 *      dynamic_batching (and sequence_batching.oldest), an empty preferred_batch_size becomes
 *      `[max_batch_size]` when max_batch_size > 0; sequence_batching.max_sequence_idle_microseconds
 *      0 becomes 1000000; unless ensemble_scheduling is set, `optimization` gets
 *      `input_pinned_memory { enable: true }` and `output_pinned_memory { enable: true }` if absent.
 *   3. NormalizeInstanceGroup (skipped for ensembles), for a host whose GPUs are `options.gpus`
 *      (default: none, as on this project's machines) and with the preferred instance group the
 *      Python backend declares in GPU-enabled builds (KIND_GPU, count 0, no GPU list; other backends
 *      are assumed to declare none): with no instance_group, one group named like the model; an
 *      empty group name becomes `<model>_<index>`; KIND_AUTO becomes KIND_GPU if the host has GPUs
 *      and every listed GPU exists, else KIND_CPU; a count below 1 becomes 1 (2 for KIND_CPU on the
 *      tensorflow and onnxruntime backends); KIND_GPU without GPUs lists all of the host's.
 *   4. ModelConfigToJson: protobuf's MessageToJsonString with always_print_primitive_fields and
 *      preserve_proto_field_names — in every message present, every non-oneof scalar field appears
 *      with its proto3 default ("" / 0 / false / the enum's 0 name / "0" for 64-bit integers),
 *      repeated fields as [] and maps as {}; absent message fields and unset oneof members stay
 *      absent; fields in declaration order — then Triton's fix-up that turns these 64-bit fields
 *      into JSON numbers: input/output dims and reshape.shape, version_policy.specific.versions,
 *      dynamic_batching.{max_queue_delay_microseconds, priority_levels, default_priority_level,
 *      default_queue_policy.default_timeout_microseconds,
 *      priority_queue_policy[*].default_timeout_microseconds},
 *      sequence_batching.{max_sequence_idle_microseconds, oldest/direct.max_queue_delay_microseconds,
 *      state[*].dims}, ensemble_scheduling.step[*].model_version, model_warmup[*].inputs[*].dims.
 *      Every other int64/uint64 field stays a decimal string as protobuf prints it (e.g.
 *      secondary_devices.device_id, cuda graph_spec dims, and state.initial_state.dims, which
 *      Triton's fix-up looks for in the wrong place). A value too large for a JS number stays a
 *      decimal string even where Triton writes a JSON number.
 *   Not reproduced: the model's own auto_complete_config(), backend-specific autofill, and the
 *   EXECUTION_ENV_PATH rewriting Triton does for Python models.
 */

import type { ParsedMessage, ParsedScalar, ParsedValue } from './message.js';
import type { PbJson, PbJsonObject } from './printer.js';
import { ENUMS, messageDescriptor, type FieldDescriptor, type MessageDescriptor, type ScalarKind } from './schema.js';

// ------------------------------------------------------------------------------------------------
// toJson

export function toJson(message: ParsedMessage): PbJsonObject {
  const json: PbJsonObject = {};
  for (const field of message.fields) {
    const descriptor = field.descriptor;
    if (descriptor.map) {
      const object: PbJsonObject = {};
      for (const entry of field.values) {
        const entryMessage = entry.value as ParsedMessage;
        const key = lastOf(entryMessage, 'key');
        const value = lastOf(entryMessage, 'value');
        const keyText = key === undefined ? defaultKeyText(descriptor.map.key) : String(key.value);
        object[keyText] =
          descriptor.map.value === 'message'
            ? value === undefined ? {} : toJson(value.value as ParsedMessage)
            : value === undefined ? defaultScalarJson(descriptor.map.value) : scalarToJson(descriptor.map.value, value.value as ParsedScalar);
      }
      if (Object.keys(object).length > 0) json[field.name] = object;
    } else if (descriptor.repeated) {
      json[field.name] = field.values.map((value) => valueToJson(descriptor, value));
    } else {
      const last = field.values.at(-1);
      if (last !== undefined) json[field.name] = valueToJson(descriptor, last);
    }
  }
  return json;
}

function lastOf(message: ParsedMessage, name: string): ParsedValue | undefined {
  return message.fields.find((field) => field.name === name)?.values.at(-1);
}

function valueToJson(field: FieldDescriptor, value: ParsedValue): PbJson {
  if (field.kind === 'message') return toJson(value.value as ParsedMessage);
  return scalarToJson(field.kind, value.value as ParsedScalar);
}

function defaultKeyText(kind: string): string {
  if (kind === 'string') return '';
  return kind === 'bool' ? 'false' : '0';
}

function scalarToJson(kind: ScalarKind | 'enum', value: ParsedScalar): PbJson {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (kind === 'float' && typeof value === 'number') return float32ToJson(value);
  return value;
}

/**
 * A float32 as protobuf's C++ JSON printer writes it (SimpleFtoa): 6 significant digits if they read
 * back as the same float, else 9 — so 0.1f is 0.1, not 0.10000000149011612.
 */
function float32ToJson(value: number): number {
  if (value === 0) return value;
  const short = Number(value.toPrecision(6));
  return Math.fround(short) === value ? short : Number(value.toPrecision(9));
}

function defaultScalarJson(kind: ScalarKind | 'enum', enumType?: string): PbJson {
  switch (kind) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    case 'int64':
    case 'uint64':
      return '0';
    case 'enum':
      return ENUMS[enumType ?? '']?.values.find((value) => value.number === 0)?.name ?? 0;
    default:
      return 0;
  }
}

// ------------------------------------------------------------------------------------------------
// withTritonDefaults

export interface TritonDefaultsOptions {
  /** Model (directory) name, used when the config has no `name`. */
  modelName?: string;
  /** Ids of the GPUs Triton may use on the serving host; default none. */
  gpus?: number[];
}

/** SEQUENCE_IDLE_DEFAULT_MICROSECONDS in Triton core (1 s). */
const SEQUENCE_IDLE_DEFAULT_MICROSECONDS = 1_000_000;

export function withTritonDefaults(config: PbJsonObject, options: TritonDefaultsOptions = {}): PbJsonObject {
  const normalised = structuredClone(config);
  autoCompletePythonFields(normalised, options.modelName);
  normalizeModelConfig(normalised);
  normalizeInstanceGroups(normalised, options.gpus ?? []);
  const json = withProto3Defaults(normalised);
  fixInt64Fields(json);
  return json;
}

const isObject = (value: PbJson | undefined): value is PbJsonObject => typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value !== 'bigint';
/** A JSON value read as a message: itself when it is one, else an empty one. */
export const asObject = (value: PbJson | undefined): PbJsonObject => (isObject(value) ? value : {});
/** A JSON value read as a repeated field: itself when it is a list, else an empty one. */
export const asArray = (value: PbJson | undefined): PbJson[] => (Array.isArray(value) ? value : []);
const asNumber = (value: PbJson | undefined): number => (value === undefined ? 0 : Number(value));
const isEmptyString = (value: PbJson | undefined) => value === undefined || value === '';

function autoCompletePythonFields(config: PbJsonObject, modelName: string | undefined): void {
  if (isEmptyString(config.name) && modelName !== undefined) config.name = modelName;
  if (isEmptyString(config.backend) && isEmptyString(config.platform) && config.default_model_filename === 'model.py') config.backend = 'python';
  if (config.backend === 'python' && isEmptyString(config.default_model_filename)) config.default_model_filename = 'model.py';
}

function normalizeModelConfig(config: PbJsonObject): void {
  if (!isObject(config.version_policy)) config.version_policy = { latest: { num_versions: 1 } };
  const maxBatchSize = asNumber(config.max_batch_size);
  const defaultPreferredBatchSize = (batcher: PbJsonObject) => {
    if (asArray(batcher.preferred_batch_size).length === 0) batcher.preferred_batch_size = maxBatchSize > 0 ? [maxBatchSize] : [];
  };
  if (isObject(config.dynamic_batching)) defaultPreferredBatchSize(config.dynamic_batching);
  if (isObject(config.sequence_batching)) {
    const sequence = config.sequence_batching;
    if (asNumber(sequence.max_sequence_idle_microseconds) === 0) sequence.max_sequence_idle_microseconds = SEQUENCE_IDLE_DEFAULT_MICROSECONDS;
    if (isObject(sequence.oldest)) defaultPreferredBatchSize(sequence.oldest);
  }
  if (!isObject(config.ensemble_scheduling)) {
    const optimization = isObject(config.optimization) ? config.optimization : (config.optimization = {});
    if (!isObject(optimization.input_pinned_memory)) optimization.input_pinned_memory = { enable: true };
    if (!isObject(optimization.output_pinned_memory)) optimization.output_pinned_memory = { enable: true };
  }
}

const KIND_NAMES = ENUMS['ModelInstanceGroup.Kind']?.values ?? [];
const kindName = (kind: PbJson | undefined): string =>
  kind === undefined ? 'KIND_AUTO' : typeof kind === 'number' ? KIND_NAMES.find((value) => value.number === kind)?.name ?? String(kind) : String(kind);

function normalizeInstanceGroups(config: PbJsonObject, hostGpus: number[]): void {
  if (isObject(config.ensemble_scheduling)) return;
  const modelName = typeof config.name === 'string' ? config.name : '';
  const backend = typeof config.backend === 'string' ? config.backend : '';
  // The Python backend's only preferred group, in GPU-enabled builds: KIND_GPU, count 0, any GPU.
  const preferredKinds = backend === 'python' ? ['KIND_GPU'] : [];
  const groups = asArray(config.instance_group).filter(isObject);
  if (groups.length === 0) {
    const group: PbJsonObject = { name: modelName };
    // A preferred KIND_GPU group applies only when the host has GPUs.
    if (preferredKinds.includes('KIND_GPU') && hostGpus.length > 0) group.kind = 'KIND_GPU';
    groups.push(group);
  }
  groups.forEach((group, index) => {
    if (isEmptyString(group.name)) group.name = `${modelName}_${index}`;
    if (kindName(group.kind) === 'KIND_AUTO') {
      const listed = asArray(group.gpus).map(Number);
      const allPresent = hostGpus.length > 0 && listed.every((gpu) => hostGpus.includes(gpu));
      group.kind = allPresent ? 'KIND_GPU' : 'KIND_CPU';
    }
    if (asNumber(group.count) < 1) {
      const cpuCountTwo = kindName(group.kind) === 'KIND_CPU' && (backend === 'tensorflow' || backend === 'onnxruntime');
      group.count = cpuCountTwo ? 2 : 1;
    }
    if (kindName(group.kind) === 'KIND_GPU' && asArray(group.gpus).length === 0) group.gpus = [...hostGpus].sort((a, b) => a - b);
  });
  config.instance_group = groups;
}

/**
 * protobuf's JSON form of a message (MessageToJsonString with always_print_primitive_fields and
 * preserve_proto_field_names, step 4 above without Triton's fix-up): 64-bit integers as decimal
 * strings, every non-oneof scalar with its default, repeated fields [] and maps {} when absent.
 */
export function withProto3Defaults(value: PbJsonObject, type = 'ModelConfig'): PbJsonObject {
  const descriptor: MessageDescriptor = messageDescriptor(type);
  const json: PbJsonObject = {};
  for (const field of descriptor.fields) {
    const fieldValue = value[field.name];
    if (fieldValue === undefined) {
      if (field.map) json[field.name] = {};
      else if (field.repeated) json[field.name] = [];
      else if (field.kind !== 'message' && !field.oneof) json[field.name] = defaultScalarJson(field.kind, field.enumType);
      continue;
    }
    if (field.map) {
      const entries: PbJsonObject = {};
      for (const [key, entryValue] of Object.entries(fieldValue as PbJsonObject)) {
        if (entryValue === undefined) continue;
        entries[key] =
          field.map.value === 'message' ? withProto3Defaults(entryValue as PbJsonObject, field.map.valueMessageType ?? '') : protobufScalarJson(field.map.value, entryValue);
      }
      json[field.name] = entries;
    } else if (field.kind === 'message') {
      const convert = (element: PbJson) => withProto3Defaults(element as PbJsonObject, field.messageType ?? '');
      json[field.name] = field.repeated ? asArray(fieldValue).map(convert) : convert(fieldValue);
    } else {
      json[field.name] = field.repeated ? asArray(fieldValue).map((element) => protobufScalarJson(field.kind, element)) : protobufScalarJson(field.kind, fieldValue);
    }
  }
  return json;
}

/** A scalar as protobuf's JSON printer writes it: 64-bit integers as decimal strings, the rest unchanged. */
function protobufScalarJson(kind: FieldDescriptor['kind'], value: PbJson): PbJson {
  if (kind === 'int64' || kind === 'uint64') return typeof value === 'string' ? value : BigInt(value as number | bigint).toString();
  return value;
}

/** Triton's ModelConfigToJson fix-up: these 64-bit fields become JSON numbers. */
function fixInt64Fields(config: PbJsonObject): void {
  const toNumber = (object: PbJsonObject | undefined, name: string) => {
    const value = object?.[name];
    if (object && typeof value === 'string' && Number.isSafeInteger(Number(value))) object[name] = Number(value);
  };
  const toNumbers = (object: PbJsonObject | undefined, name: string) => {
    if (!object || !Array.isArray(object[name])) return;
    object[name] = (object[name] as PbJson[]).map((value) => (typeof value === 'string' && Number.isSafeInteger(Number(value)) ? Number(value) : value));
  };
  const objects = (value: PbJson | undefined): PbJsonObject[] => asArray(value).filter(isObject);
  const child = (object: PbJsonObject | undefined, name: string): PbJsonObject | undefined => {
    const value = object?.[name];
    return isObject(value) ? value : undefined;
  };

  for (const io of [...objects(config.input), ...objects(config.output)]) {
    toNumbers(io, 'dims');
    toNumbers(child(io, 'reshape'), 'shape');
  }
  toNumbers(child(child(config, 'version_policy'), 'specific'), 'versions');

  const dynamic = child(config, 'dynamic_batching');
  for (const name of ['max_queue_delay_microseconds', 'priority_levels', 'default_priority_level']) toNumber(dynamic, name);
  toNumber(child(dynamic, 'default_queue_policy'), 'default_timeout_microseconds');
  for (const policy of Object.values(child(dynamic, 'priority_queue_policy') ?? {})) {
    if (isObject(policy)) toNumber(policy, 'default_timeout_microseconds');
  }

  const sequence = child(config, 'sequence_batching');
  toNumber(sequence, 'max_sequence_idle_microseconds');
  toNumber(child(sequence, 'oldest'), 'max_queue_delay_microseconds');
  toNumber(child(sequence, 'direct'), 'max_queue_delay_microseconds');
  for (const state of objects(sequence?.state)) toNumbers(state, 'dims');

  for (const step of objects(child(config, 'ensemble_scheduling')?.step)) toNumber(step, 'model_version');

  for (const warmup of objects(config.model_warmup)) {
    for (const input of Object.values(child(warmup, 'inputs') ?? {})) {
      if (isObject(input)) toNumbers(input, 'dims');
    }
  }
}
