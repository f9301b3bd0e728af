/**
 * The one table of Triton data types. Every other spelling (config enum, KServe v2 wire name,
 * numpy dtype, enum number, element size) is derived from it; see the Datatypes table of Triton's
 * model configuration documentation (docs/user_guide/model_configuration.md) and model_config.proto.
 */

export type DataType =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'STRING'
  | 'BF16';

export interface DataTypeInfo {
  /** Canonical name used in the spec: the config enum without `TYPE_`. */
  name: DataType;
  /** `data_type` value in config.pbtxt. */
  config: `TYPE_${DataType}`;
  /** Enum number in model_config.proto. */
  enumNumber: number;
  /** KServe v2 `datatype` on the wire (HTTP/gRPC); only STRING differs (BYTES). */
  wire: string;
  /** numpy dtype expression in generated Python, or null when numpy has none (BF16). */
  numpy: string | null;
  /** Bytes per element, or null for variable-length strings. */
  size: number | null;
  /** JSON cannot carry it over Triton's HTTP API: the binary data extension is needed. */
  binaryOnly: boolean;
  /** Integer range, used for sample values and validation of sample data. */
  kind: 'bool' | 'uint' | 'int' | 'float' | 'string';
}

export const DATA_TYPES: readonly DataTypeInfo[] = [
  { name: 'BOOL', config: 'TYPE_BOOL', enumNumber: 1, wire: 'BOOL', numpy: 'np.bool_', size: 1, binaryOnly: false, kind: 'bool' },
  { name: 'UINT8', config: 'TYPE_UINT8', enumNumber: 2, wire: 'UINT8', numpy: 'np.uint8', size: 1, binaryOnly: false, kind: 'uint' },
  { name: 'UINT16', config: 'TYPE_UINT16', enumNumber: 3, wire: 'UINT16', numpy: 'np.uint16', size: 2, binaryOnly: false, kind: 'uint' },
  { name: 'UINT32', config: 'TYPE_UINT32', enumNumber: 4, wire: 'UINT32', numpy: 'np.uint32', size: 4, binaryOnly: false, kind: 'uint' },
  { name: 'UINT64', config: 'TYPE_UINT64', enumNumber: 5, wire: 'UINT64', numpy: 'np.uint64', size: 8, binaryOnly: false, kind: 'uint' },
  { name: 'INT8', config: 'TYPE_INT8', enumNumber: 6, wire: 'INT8', numpy: 'np.int8', size: 1, binaryOnly: false, kind: 'int' },
  { name: 'INT16', config: 'TYPE_INT16', enumNumber: 7, wire: 'INT16', numpy: 'np.int16', size: 2, binaryOnly: false, kind: 'int' },
  { name: 'INT32', config: 'TYPE_INT32', enumNumber: 8, wire: 'INT32', numpy: 'np.int32', size: 4, binaryOnly: false, kind: 'int' },
  { name: 'INT64', config: 'TYPE_INT64', enumNumber: 9, wire: 'INT64', numpy: 'np.int64', size: 8, binaryOnly: false, kind: 'int' },
  { name: 'FP16', config: 'TYPE_FP16', enumNumber: 10, wire: 'FP16', numpy: 'np.float16', size: 2, binaryOnly: true, kind: 'float' },
  { name: 'FP32', config: 'TYPE_FP32', enumNumber: 11, wire: 'FP32', numpy: 'np.float32', size: 4, binaryOnly: false, kind: 'float' },
  { name: 'FP64', config: 'TYPE_FP64', enumNumber: 12, wire: 'FP64', numpy: 'np.float64', size: 8, binaryOnly: false, kind: 'float' },
  { name: 'STRING', config: 'TYPE_STRING', enumNumber: 13, wire: 'BYTES', numpy: 'np.object_', size: null, binaryOnly: false, kind: 'string' },
  { name: 'BF16', config: 'TYPE_BF16', enumNumber: 14, wire: 'BF16', numpy: null, size: 2, binaryOnly: true, kind: 'float' },
];

const BY_NAME = new Map<string, DataTypeInfo>(DATA_TYPES.map((t) => [t.name, t]));

/** numpy / Python spellings users type, mapped to the canonical name. */
const NUMPY_ALIASES: Record<string, DataType> = {
  bool: 'BOOL',
  bool_: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  half: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  double: 'FP64',
  bfloat16: 'BF16',
  bytes: 'STRING',
  bytes_: 'STRING',
  str: 'STRING',
  object: 'STRING',
  object_: 'STRING',
  // The KServe wire name of TYPE_STRING.
  BYTES: 'STRING',
};

export const DATA_TYPE_NAMES: readonly DataType[] = DATA_TYPES.map((t) => t.name);

/**
 * Canonical data type for any accepted spelling: `FP32`, `fp32`, `TYPE_FP32`, `float32`, `BYTES`,
 * `str`, ... Returns undefined when the spelling is unknown.
 */
export function lookupDataType(spelling: string): DataType | undefined {
  const trimmed = spelling.trim();
  const upper = trimmed.toUpperCase();
  const bare = upper.startsWith('TYPE_') ? upper.slice(5) : upper;
  if (BY_NAME.has(bare)) return bare as DataType;
  return NUMPY_ALIASES[trimmed.toLowerCase()] ?? NUMPY_ALIASES[upper];
}

export function dataTypeInfo(name: DataType): DataTypeInfo {
  const info = BY_NAME.get(name);
  if (!info) throw new Error(`not a data type: ${name}`);
  return info;
}

export function dataTypeFromConfigEnum(configName: string): DataType | undefined {
  return DATA_TYPES.find((t) => t.config === configName)?.name;
}
