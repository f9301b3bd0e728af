/**
 * Field rules of the spec: each parser takes what a user typed (a flag string, a prompt answer
 * or a value from a --from file) and returns the canonical value, or throws InvalidValue with
 * the problem and what is allowed. Flags, prompts and spec files all go through these, so a
 * value is judged the same wherever it comes from.
 */

import { DATA_TYPE_NAMES, lookupDataType, type DataType } from './dtypes.js';
import { parsePep508, RequirementSyntaxError } from './pep508.js';
import { DEFAULT_TRITON_VERSION, MIN_TRITON_VERSION } from './releases.js';

export { DEFAULT_TRITON_VERSION, MIN_TRITON_VERSION, pythonVersionOf } from './releases.js';

export class InvalidValue extends Error {
  /** Set when the problem is in one key of an object value: the message then names that key and its value. */
  readonly at?: { key: string; value: unknown };
  constructor(message: string, at?: { key: string; value: unknown }) {
    super(message);
    this.at = at;
  }
}

/** Parse `object[key]`, pointing a complaint at that key. */
function parseKey<T>(object: Record<string, unknown>, key: string, parse: (raw: unknown) => T): T {
  try {
    return parse(object[key]);
  } catch (error) {
    if (error instanceof InvalidValue && !error.at) throw new InvalidValue(error.message, { key, value: object[key] });
    throw error;
  }
}

export const TEMPLATE_NAMES = ['image-stub', 'blank', 'decoupled'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export const INSTANCE_KINDS = ['cpu', 'gpu', 'auto'] as const;
export type InstanceKind = (typeof INSTANCE_KINDS)[number];

export const MODEL_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';
export const TENSOR_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_.-]*$';
export const TRITON_VERSION_PATTERN = '^[0-9]{2}\\.[0-9]{2}$';
export const MAX_NAME_LENGTH = 128;
/** numpy 1.x arrays have at most 32 dimensions, and a batched tensor adds one. */
export const MAX_RANK = 31;
const INT32_MAX = 2 ** 31 - 1;

function asText(raw: unknown, what: string): string {
  if (typeof raw === 'string') return raw;
  if ((typeof raw === 'number' && Number.isFinite(raw)) || typeof raw === 'bigint') return String(raw);
  throw new InvalidValue(`must be ${what}`);
}

/** Text that becomes part of a file must not carry control or bidi characters that change what a reader sees. */
const INVISIBLE_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\u2028\u2029\ufeff]/;

export function hasControlCharacters(text: string): boolean {
  return INVISIBLE_OR_CONTROL.test(text);
}

export function parseModelName(raw: unknown): string {
  const name = asText(raw, 'a string');
  if (name.length === 0) throw new InvalidValue('must not be empty');
  if (name.length > MAX_NAME_LENGTH) throw new InvalidValue(`is ${name.length} characters long (allowed: at most ${MAX_NAME_LENGTH})`);
  if (!new RegExp(MODEL_NAME_PATTERN).test(name)) {
    throw new InvalidValue('not a valid model name (allowed: letters, digits, "_", "-", ".", starting with a letter or digit)');
  }
  // Triton's HTTP API routes /v2/models/stats to the statistics endpoint, so a model named stats is unreachable.
  if (name === 'stats') throw new InvalidValue('is reserved by Triton\'s statistics endpoint /v2/models/stats (choose another name)');
  return name;
}

export function parseTensorName(raw: unknown): string {
  const name = asText(raw, 'a string');
  if (name.length === 0) throw new InvalidValue('tensor name must not be empty');
  if (name.length > MAX_NAME_LENGTH) throw new InvalidValue(`tensor name is ${name.length} characters long (allowed: at most ${MAX_NAME_LENGTH})`);
  if (!new RegExp(TENSOR_NAME_PATTERN).test(name)) {
    throw new InvalidValue('not a valid tensor name (allowed: letters, digits, "_", "-", ".", starting with a letter or "_")');
  }
  return name;
}

export function parseTemplate(raw: unknown): TemplateName {
  const text = asText(raw, 'a string').trim();
  if ((TEMPLATE_NAMES as readonly string[]).includes(text)) return text as TemplateName;
  throw new InvalidValue(`unknown template (allowed: ${TEMPLATE_NAMES.join(', ')})`);
}

export function parseDataType(raw: unknown): DataType {
  const text = asText(raw, 'a data type name');
  const found = lookupDataType(text);
  if (!found) throw new InvalidValue(`unknown data type ${text.trim() || '""'} (allowed: ${DATA_TYPE_NAMES.join(', ')})`);
  return found;
}

/** A number, or a bigint that a spec file held beyond 2^53 (from-file.ts keeps those exact), as written. */
const integerText = (raw: unknown): string | undefined =>
  typeof raw === 'number' || typeof raw === 'bigint' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;

/**
 * Dims stay JavaScript numbers in the Spec, so they are capped at 2^53 - 1 although Triton's dims are
 * int64: generated code computes sample shapes and element counts from them, and no tensor with a
 * dimension that large fits in memory, so exact int64 dims would spread BigInt through the spec, the
 * renderer and the samples for no real model. A larger dim is refused, with the value as written.
 */
function parseDim(raw: unknown): number {
  const text = integerText(raw) ?? '';
  if (!/^-?\d+$/.test(text)) throw new InvalidValue(`dimension ${text === '' ? '(empty)' : text} is not an integer (allowed: integers >= 1, or -1 for a variable size)`);
  if (BigInt(text) === -1n) return -1;
  if (BigInt(text) < 1n) throw new InvalidValue(`dimension ${text} is not allowed (allowed: integers >= 1, or -1 for a variable size)`);
  if (BigInt(text) > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidValue(`dimension ${text} is too large (allowed: at most ${Number.MAX_SAFE_INTEGER}; Triton's dims are int64, but no tensor that large fits in memory)`);
  }
  return Number(text);
}

/** Dims as typed on the command line (`-1,-1,3`, `[1, 2]`) or as a JSON/YAML list. */
export function parseDims(raw: unknown): number[] {
  let parts: unknown[];
  if (Array.isArray(raw)) parts = raw;
  else if (typeof raw === 'number' || typeof raw === 'bigint') parts = [raw];
  else if (typeof raw === 'string') {
    const text = raw.trim().replace(/^\[(.*)\]$/s, '$1').trim();
    if (text === '') throw new InvalidValue('dims must list at least one dimension (Triton has no scalar tensors: use 1)');
    parts = text.split(',');
  } else throw new InvalidValue('dims must be a list of integers');
  if (parts.length === 0) throw new InvalidValue('dims must list at least one dimension (Triton has no scalar tensors: use 1)');
  if (parts.length > MAX_RANK) throw new InvalidValue(`dims has ${parts.length} dimensions (allowed: at most ${MAX_RANK})`);
  return parts.map(parseDim);
}

export interface TensorSpec {
  name: string;
  dataType: DataType;
  dims: number[];
  /** Inputs only: a client may leave it out (model.py then gets None). */
  optional?: boolean;
  /** The shape model.py sees instead of dims (same element count); [] for a batch-only tensor. */
  reshape?: number[];
}

const TENSOR_KEYS = ['name', 'dataType', 'dims', 'optional', 'reshape'];

/** `name:TYPE:dims`, e.g. `prompt:STRING:1`, `image:UINT8:-1,-1,3`. */
export function parseTensorFlag(raw: unknown): TensorSpec {
  const text = asText(raw, 'name:TYPE:dims');
  const parts = text.split(':');
  if (parts.length !== 3) throw new InvalidValue('expected name:TYPE:dims, e.g. image:UINT8:-1,-1,3');
  const [name, type, dims] = parts as [string, string, string];
  return { name: parseTensorName(name), dataType: parseDataType(type), dims: parseDims(dims) };
}

/** A tensor object from a spec file: `{name, dataType, dims}`. */
export function parseTensorObject(raw: unknown): TensorSpec {
  if (typeof raw === 'string') return parseTensorFlag(raw);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidValue('expected an object {name, dataType, dims} or "name:TYPE:dims"');
  const object = raw as Record<string, unknown>;
  const unknown = Object.keys(object).filter((k) => !TENSOR_KEYS.includes(k));
  if (unknown.length > 0) throw new InvalidValue(`unknown key ${unknown[0]} (allowed: ${TENSOR_KEYS.join(', ')})`);
  for (const key of ['name', 'dataType', 'dims']) {
    if (object[key] === undefined) throw new InvalidValue(`missing ${key} (a tensor needs name, dataType and dims)`);
  }
  const tensor: TensorSpec = { name: parseKey(object, 'name', parseTensorName), dataType: parseKey(object, 'dataType', parseDataType), dims: parseKey(object, 'dims', parseDims) };
  if (object.optional !== undefined) {
    tensor.optional = parseKey(object, 'optional', (v) => {
      if (typeof v !== 'boolean') throw new InvalidValue('must be true or false');
      return v;
    });
  }
  if (object.reshape !== undefined) tensor.reshape = parseKey(object, 'reshape', (v) => (Array.isArray(v) && v.length === 0 ? [] : parseDims(v)));
  return tensor;
}

/** An integer in [min, max], compared exactly (BigInt), so a value beyond 2^53 is judged as written, not rounded. */
export function parseInteger(raw: unknown, min: number, max: number, what: string): number {
  const text = integerText(raw);
  if (text === undefined || !/^\d+$/.test(text) || BigInt(text) < BigInt(min) || BigInt(text) > BigInt(max)) {
    throw new InvalidValue(`must be ${what}`);
  }
  return Number(text);
}

export const parseMaxBatchSize = (raw: unknown) => parseInteger(raw, 0, INT32_MAX, `an integer from 0 to ${INT32_MAX} (Triton's max_batch_size is an int32; 0 disables batching)`);
export const parseInstanceCount = (raw: unknown) => parseInteger(raw, 1, INT32_MAX, `an integer from 1 to ${INT32_MAX}`);
export const parseModelVersion = (raw: unknown) => parseInteger(raw, 1, Number.MAX_SAFE_INTEGER, `a positive integer up to ${Number.MAX_SAFE_INTEGER} (the version folder name)`);

export function parseInstanceKind(raw: unknown): InstanceKind {
  const text = asText(raw, 'a string').trim().toLowerCase().replace(/^kind_/, '');
  if ((INSTANCE_KINDS as readonly string[]).includes(text)) return text as InstanceKind;
  throw new InvalidValue(`unknown instance kind (allowed: ${INSTANCE_KINDS.join(', ')})`);
}

export function parseTritonVersion(raw: unknown): string {
  const text = asText(raw, 'a YY.MM tag').trim().replace(/-py3$/, '');
  const match = /^(\d{2})\.(\d{2})$/.exec(text);
  const month = match ? Number(match[2]) : 0;
  if (!match || month < 1 || month > 12) throw new InvalidValue(`not an NGC release tag (allowed: YY.MM, e.g. ${DEFAULT_TRITON_VERSION})`);
  if (text < MIN_TRITON_VERSION) throw new InvalidValue(`is older than ${MIN_TRITON_VERSION}, the first release with everything the templates use (allowed: ${MIN_TRITON_VERSION} or later)`);
  return text;
}

// One line of requirements.txt, as pip reads it: a PEP 508 requirement (pep508.ts). Anything pip
// would read as an option (`-r`, `--index-url`) or a second line is refused: requirements.txt must
// mean what was typed.
export function parseRequirement(raw: unknown): string {
  const typed = asText(raw, 'a requirement line');
  const text = typed.trim();
  if (text === '') throw new InvalidValue('must not be empty');
  if (hasControlCharacters(text)) throw new InvalidValue('contains a control character or line break (allowed: one PEP 508 requirement, e.g. torch==2.4.0)');
  if (text.startsWith('-')) throw new InvalidValue('pip options are not accepted here (allowed: one PEP 508 requirement, e.g. torch==2.4.0)');
  if (text.length > 1000) throw new InvalidValue(`is ${text.length} characters long (allowed: at most 1000)`);
  try {
    parsePep508(text);
  } catch (error) {
    if (!(error instanceof RequirementSyntaxError)) throw error;
    // Columns count in the value as typed, leading spaces included.
    const leading = typed.length - typed.trimStart().length;
    const problem = error.message.replace(/column (\d+)/g, (_, column: string) => `column ${Number(column) + leading}`);
    throw new InvalidValue(`not a PEP 508 requirement: ${problem} (e.g. torch==2.4.0, numpy>=1.26,<2, pkg[extra]>=1.0; python_version >= "3.10")`);
  }
  // Credentials in a URL would be baked into the image's layers and history.
  if (/:\/\/[^/\s]*@/.test(text)) throw new InvalidValue('holds credentials in its URL (they would be stored in the image): use pip configuration or a build secret instead');
  return text;
}

/** The distribution name a requirement is about, normalised as PEP 503 does, to spot duplicates. */
export function requirementProject(requirement: string): string {
  const name = /^[A-Za-z0-9._-]+/.exec(requirement)?.[0] ?? requirement;
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Lines of a requirements file: comments and blanks dropped, each line checked as a requirement. */
export function parseRequirementsFile(text: string): { line: number; requirement: string }[] {
  const result: { line: number; requirement: string }[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    result.push({ line: index + 1, requirement: line });
  });
  return result;
}

export const DEFAULT_DIRECTORY = 'triton-project';

/** The project folder, as typed: any path, but one line of visible text. */
export function parseProjectDirectory(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new InvalidValue('must be a folder path');
  if (hasControlCharacters(raw)) throw new InvalidValue('contains a control character (allowed: a plain folder path)');
  if (raw.length > 4096) throw new InvalidValue(`is ${raw.length} characters long (allowed: at most 4096)`);
  return raw;
}

// ---- Advanced config features (dynamic batching, instance groups, parameters, version policy, reshape) ----

export interface InstanceGroupSpec {
  kind: InstanceKind;
  count: number;
  /** GPU ids for gpu/auto kinds; absent means every visible GPU. */
  gpus?: number[];
}

/** `kind:count[:gpu,gpu]`, e.g. `gpu:2:0,1`, `cpu:4`. */
export function parseInstanceGroup(raw: unknown): InstanceGroupSpec {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const object = raw as Record<string, unknown>;
    const unknown = Object.keys(object).filter((k) => !['kind', 'count', 'gpus'].includes(k));
    if (unknown.length > 0) throw new InvalidValue(`unknown key ${unknown[0]} (allowed: kind, count, gpus)`);
    const text = `${object.kind ?? ''}:${object.count ?? 1}${Array.isArray(object.gpus) ? `:${object.gpus.join(',')}` : ''}`;
    return parseInstanceGroup(text);
  }
  const parts = asText(raw, 'kind:count[:gpus]').split(':');
  if (parts.length < 2 || parts.length > 3) throw new InvalidValue('expected kind:count[:gpu,gpu], e.g. gpu:2:0,1 or cpu:4');
  const kind = parseInstanceKind(parts[0]);
  const count = parseInstanceCount(parts[1]);
  if (parts[2] === undefined) return { kind, count };
  // Triton refuses GPU ids on KIND_CPU groups ("has kind KIND_CPU but specifies one or more GPUs").
  if (kind === 'cpu') throw new InvalidValue('a cpu group cannot list GPU ids (allowed: gpu:COUNT:IDS or auto:COUNT:IDS)');
  const gpus = parts[2].split(',').map((id) => parseInteger(id, 0, INT32_MAX, 'a list of GPU ids (integers >= 0), e.g. 0,1'));
  return { kind, count, gpus };
}

export const RESERVED_PARAMETERS = ['assets_dir'];

/** `key=value` for config `parameters` (values are strings, as in Triton). */
export function parseParameter(raw: unknown): [string, string] {
  let key: string;
  let value: string;
  if (Array.isArray(raw) && raw.length === 2) [key, value] = [String(raw[0]), String(raw[1])];
  else {
    const text = asText(raw, 'key=value');
    const equals = text.indexOf('=');
    if (equals <= 0) throw new InvalidValue('expected key=value, e.g. threshold=0.5');
    [key, value] = [text.slice(0, equals).trim(), text.slice(equals + 1)];
  }
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) || key.length > MAX_NAME_LENGTH) {
    throw new InvalidValue(`parameter key ${key} is not allowed (allowed: letters, digits, "_", "-", ".", starting with a letter or "_")`);
  }
  if (RESERVED_PARAMETERS.includes(key)) throw new InvalidValue(`parameter ${key} is set by the generator (it tells model.py where assets/ is)`);
  if (hasControlCharacters(value)) throw new InvalidValue('parameter value contains a control character or line break');
  if (value.length > 4096) throw new InvalidValue(`parameter value is ${value.length} characters long (allowed: at most 4096)`);
  return [key, value];
}

export type VersionPolicy = { kind: 'latest'; numVersions: number } | { kind: 'all' } | { kind: 'specific'; versions: number[] };

/** `latest[:N]`, `all` or `specific:1,3`. */
export function parseVersionPolicy(raw: unknown): VersionPolicy {
  const text = asText(raw, 'latest[:N], all or specific:V,V').trim();
  const [kind, rest] = [text.split(':')[0], text.includes(':') ? text.slice(text.indexOf(':') + 1) : undefined];
  const allowed = '(allowed: latest[:N], all, specific:V[,V...])';
  if (kind === 'all' && rest === undefined) return { kind: 'all' };
  if (kind === 'latest') return { kind: 'latest', numVersions: rest === undefined ? 1 : parseInteger(rest, 1, 2 ** 32 - 1, `latest:N with N >= 1 ${allowed}`) };
  if (kind === 'specific' && rest) {
    const versions = rest.split(',').map((v) => parseInteger(v, 1, Number.MAX_SAFE_INTEGER, `specific:V,V with positive versions ${allowed}`));
    return { kind: 'specific', versions: [...new Set(versions)] };
  }
  throw new InvalidValue(`unknown version policy ${allowed}`);
}

/** `name:dims` for --reshape: the shape model.py sees instead of dims (same element count). */
export function parseReshapeFlag(raw: unknown): { name: string; shape: number[] } {
  const text = asText(raw, 'name:dims');
  const colon = text.indexOf(':');
  if (colon <= 0) throw new InvalidValue('expected name:dims, e.g. image:3,224,224 (an empty dims list reshapes a [1] tensor to a scalar per batch item)');
  const dims = text.slice(colon + 1).trim();
  return { name: parseTensorName(text.slice(0, colon)), shape: dims === '' || dims === '[]' ? [] : parseDims(dims) };
}

export const parsePreferredBatchSize = (raw: unknown) => parseInteger(raw, 1, INT32_MAX, 'an integer >= 1 (and at most --max-batch-size)');
export const parseMaxQueueDelay = (raw: unknown) => parseInteger(raw, 0, Number.MAX_SAFE_INTEGER, 'an integer >= 0 (microseconds)');
