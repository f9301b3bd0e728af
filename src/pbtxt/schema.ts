/**
 * Descriptors of the `inference.ModelConfig` protobuf messages (protobuf/model_config.proto in
 * triton-inference-server/common, checked field by field against its r26.06 branch; `since`: a field
 * later than 23.10), used by the text-format parser, printer, JSON helpers and the validator.
 * Every message and enum reachable from `inference.ModelConfig` is listed, with field numbers,
 * kinds, `repeated`, oneof membership and map key/value kinds exactly as the proto declares them,
 * fields in declaration order (the order protobuf's JSON printer uses). Nested types are keyed by
 * their dotted name below the package (`ModelVersionPolicy.Latest`; `fullName` prefixes `inference.`).
 * Tests compile a .proto generated from this table (test/helpers/model-config-proto.ts) with protoc.
 */

export type ScalarKind = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'float' | 'double';

/** Kinds protobuf allows as map keys (of those, model_config.proto uses string and uint64). */
export type MapKeyKind = 'string' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64';

export interface FieldDescriptor {
  name: string;
  number: number;
  /** Scalar kind, 'enum' (see `enumType`) or 'message' (see `messageType`). Map fields are 'message'. */
  kind: ScalarKind | 'enum' | 'message';
  repeated?: boolean;
  enumType?: string;
  messageType?: string;
  /** A `map<K, V>` field: on the wire and in text format, repeated entries with fields `key` (1) and `value` (2). */
  map?: { key: MapKeyKind; value: ScalarKind | 'message'; valueMessageType?: string };
  /** Name of the oneof group this field belongs to. */
  oneof?: string;
  /** The first NGC release (YY.MM) whose model_config.proto has the field; absent: 23.10 or earlier. */
  since?: string;
}

export interface MessageDescriptor {
  name: string;
  fields: FieldDescriptor[];
}

export interface EnumDescriptor {
  name: string;
  values: { name: string; number: number }[];
}

/** The proto package; full names are `inference.<name>`. */
export const PACKAGE = 'inference';

const f = (name: string, number: number, kind: FieldDescriptor['kind'], extra: Partial<FieldDescriptor> = {}): FieldDescriptor => ({
  name,
  number,
  kind,
  ...extra,
});
const repeated = (name: string, number: number, kind: FieldDescriptor['kind'], extra: Partial<FieldDescriptor> = {}) =>
  f(name, number, kind, { repeated: true, ...extra });
const message = (name: string, number: number, messageType: string, extra: Partial<FieldDescriptor> = {}) =>
  f(name, number, 'message', { messageType, ...extra });
const enumField = (name: string, number: number, enumType: string, extra: Partial<FieldDescriptor> = {}) =>
  f(name, number, 'enum', { enumType, ...extra });
const map = (name: string, number: number, key: MapKeyKind, value: ScalarKind | 'message', valueMessageType?: string) =>
  f(name, number, 'message', { repeated: true, map: valueMessageType ? { key, value, valueMessageType } : { key, value } });
const msg = (name: string, fields: FieldDescriptor[]): MessageDescriptor => ({ name, fields });

export const MESSAGES: Record<string, MessageDescriptor> = {
  'ModelRateLimiter': msg('ModelRateLimiter', [
    repeated('resources', 1, 'message', { messageType: 'ModelRateLimiter.Resource' }),
    f('priority', 2, 'uint32'),
  ]),
  'ModelRateLimiter.Resource': msg('ModelRateLimiter.Resource', [f('name', 1, 'string'), f('global', 2, 'bool'), f('count', 3, 'uint32')]),

  'ModelInstanceGroup': msg('ModelInstanceGroup', [
    f('name', 1, 'string'),
    enumField('kind', 4, 'ModelInstanceGroup.Kind'),
    f('count', 2, 'int32'),
    message('rate_limiter', 6, 'ModelRateLimiter'),
    repeated('gpus', 3, 'int32'),
    repeated('secondary_devices', 8, 'message', { messageType: 'ModelInstanceGroup.SecondaryDevice' }),
    repeated('profile', 5, 'string'),
    f('passive', 7, 'bool'),
    f('host_policy', 9, 'string'),
  ]),
  'ModelInstanceGroup.SecondaryDevice': msg('ModelInstanceGroup.SecondaryDevice', [
    enumField('kind', 1, 'ModelInstanceGroup.SecondaryDevice.SecondaryDeviceKind'),
    f('device_id', 2, 'int64'),
  ]),

  'ModelTensorReshape': msg('ModelTensorReshape', [repeated('shape', 1, 'int64')]),

  'ModelInput': msg('ModelInput', [
    f('name', 1, 'string'),
    enumField('data_type', 2, 'DataType'),
    enumField('format', 3, 'ModelInput.Format'),
    repeated('dims', 4, 'int64'),
    message('reshape', 5, 'ModelTensorReshape'),
    f('is_shape_tensor', 6, 'bool'),
    f('allow_ragged_batch', 7, 'bool'),
    f('optional', 8, 'bool'),
    f('is_non_linear_format_io', 9, 'bool', { since: '24.08' }),
  ]),
  'ModelOutput': msg('ModelOutput', [
    f('name', 1, 'string'),
    enumField('data_type', 2, 'DataType'),
    repeated('dims', 3, 'int64'),
    message('reshape', 5, 'ModelTensorReshape'),
    f('label_filename', 4, 'string'),
    f('is_shape_tensor', 6, 'bool'),
    f('is_non_linear_format_io', 7, 'bool', { since: '24.08' }),
  ]),

  'BatchInput': msg('BatchInput', [
    enumField('kind', 1, 'BatchInput.Kind'),
    repeated('target_name', 2, 'string'),
    enumField('data_type', 3, 'DataType'),
    repeated('source_input', 4, 'string'),
  ]),
  'BatchOutput': msg('BatchOutput', [
    repeated('target_name', 1, 'string'),
    enumField('kind', 2, 'BatchOutput.Kind'),
    repeated('source_input', 3, 'string'),
  ]),

  'ModelVersionPolicy': msg('ModelVersionPolicy', [
    message('latest', 1, 'ModelVersionPolicy.Latest', { oneof: 'policy_choice' }),
    message('all', 2, 'ModelVersionPolicy.All', { oneof: 'policy_choice' }),
    message('specific', 3, 'ModelVersionPolicy.Specific', { oneof: 'policy_choice' }),
  ]),
  'ModelVersionPolicy.Latest': msg('ModelVersionPolicy.Latest', [f('num_versions', 1, 'uint32')]),
  'ModelVersionPolicy.All': msg('ModelVersionPolicy.All', []),
  'ModelVersionPolicy.Specific': msg('ModelVersionPolicy.Specific', [repeated('versions', 1, 'int64')]),

  'ModelOptimizationPolicy': msg('ModelOptimizationPolicy', [
    message('graph', 1, 'ModelOptimizationPolicy.Graph'),
    enumField('priority', 2, 'ModelOptimizationPolicy.ModelPriority'),
    message('cuda', 3, 'ModelOptimizationPolicy.Cuda'),
    message('execution_accelerators', 4, 'ModelOptimizationPolicy.ExecutionAccelerators'),
    message('input_pinned_memory', 5, 'ModelOptimizationPolicy.PinnedMemoryBuffer'),
    message('output_pinned_memory', 6, 'ModelOptimizationPolicy.PinnedMemoryBuffer'),
    f('gather_kernel_buffer_threshold', 7, 'uint32'),
    f('eager_batching', 8, 'bool'),
  ]),
  'ModelOptimizationPolicy.Graph': msg('ModelOptimizationPolicy.Graph', [f('level', 1, 'int32')]),
  'ModelOptimizationPolicy.Cuda': msg('ModelOptimizationPolicy.Cuda', [
    f('graphs', 1, 'bool'),
    f('busy_wait_events', 2, 'bool'),
    repeated('graph_spec', 3, 'message', { messageType: 'ModelOptimizationPolicy.Cuda.GraphSpec' }),
    f('output_copy_stream', 4, 'bool'),
  ]),
  'ModelOptimizationPolicy.Cuda.GraphSpec': msg('ModelOptimizationPolicy.Cuda.GraphSpec', [
    f('batch_size', 1, 'int32'),
    map('input', 2, 'string', 'message', 'ModelOptimizationPolicy.Cuda.GraphSpec.Shape'),
    message('graph_lower_bound', 3, 'ModelOptimizationPolicy.Cuda.GraphSpec.LowerBound'),
  ]),
  'ModelOptimizationPolicy.Cuda.GraphSpec.Shape': msg('ModelOptimizationPolicy.Cuda.GraphSpec.Shape', [repeated('dim', 1, 'int64')]),
  'ModelOptimizationPolicy.Cuda.GraphSpec.LowerBound': msg('ModelOptimizationPolicy.Cuda.GraphSpec.LowerBound', [
    f('batch_size', 1, 'int32'),
    map('input', 2, 'string', 'message', 'ModelOptimizationPolicy.Cuda.GraphSpec.Shape'),
  ]),
  'ModelOptimizationPolicy.ExecutionAccelerators': msg('ModelOptimizationPolicy.ExecutionAccelerators', [
    repeated('gpu_execution_accelerator', 1, 'message', { messageType: 'ModelOptimizationPolicy.ExecutionAccelerators.Accelerator' }),
    repeated('cpu_execution_accelerator', 2, 'message', { messageType: 'ModelOptimizationPolicy.ExecutionAccelerators.Accelerator' }),
  ]),
  'ModelOptimizationPolicy.ExecutionAccelerators.Accelerator': msg('ModelOptimizationPolicy.ExecutionAccelerators.Accelerator', [
    f('name', 1, 'string'),
    map('parameters', 2, 'string', 'string'),
  ]),
  'ModelOptimizationPolicy.PinnedMemoryBuffer': msg('ModelOptimizationPolicy.PinnedMemoryBuffer', [f('enable', 1, 'bool')]),

  'ModelQueuePolicy': msg('ModelQueuePolicy', [
    enumField('timeout_action', 1, 'ModelQueuePolicy.TimeoutAction'),
    f('default_timeout_microseconds', 2, 'uint64'),
    f('allow_timeout_override', 3, 'bool'),
    f('max_queue_size', 4, 'uint32'),
  ]),

  'ModelDynamicBatching': msg('ModelDynamicBatching', [
    repeated('preferred_batch_size', 1, 'int32'),
    f('max_queue_delay_microseconds', 2, 'uint64'),
    f('preserve_ordering', 3, 'bool'),
    f('priority_levels', 4, 'uint64'),
    f('default_priority_level', 5, 'uint64'),
    message('default_queue_policy', 6, 'ModelQueuePolicy'),
    map('priority_queue_policy', 7, 'uint64', 'message', 'ModelQueuePolicy'),
  ]),

  'ModelSequenceBatching': msg('ModelSequenceBatching', [
    message('direct', 3, 'ModelSequenceBatching.StrategyDirect', { oneof: 'strategy_choice' }),
    message('oldest', 4, 'ModelSequenceBatching.StrategyOldest', { oneof: 'strategy_choice' }),
    f('max_sequence_idle_microseconds', 1, 'uint64'),
    repeated('control_input', 2, 'message', { messageType: 'ModelSequenceBatching.ControlInput' }),
    repeated('state', 5, 'message', { messageType: 'ModelSequenceBatching.State' }),
    f('iterative_sequence', 6, 'bool', { since: '23.11' }),
  ]),
  'ModelSequenceBatching.Control': msg('ModelSequenceBatching.Control', [
    enumField('kind', 1, 'ModelSequenceBatching.Control.Kind'),
    repeated('int32_false_true', 2, 'int32'),
    repeated('fp32_false_true', 3, 'float'),
    repeated('bool_false_true', 5, 'bool'),
    enumField('data_type', 4, 'DataType'),
  ]),
  'ModelSequenceBatching.ControlInput': msg('ModelSequenceBatching.ControlInput', [
    f('name', 1, 'string'),
    repeated('control', 2, 'message', { messageType: 'ModelSequenceBatching.Control' }),
  ]),
  'ModelSequenceBatching.InitialState': msg('ModelSequenceBatching.InitialState', [
    enumField('data_type', 1, 'DataType'),
    repeated('dims', 2, 'int64'),
    f('zero_data', 3, 'bool', { oneof: 'state_data' }),
    f('data_file', 4, 'string', { oneof: 'state_data' }),
    f('name', 5, 'string'),
  ]),
  'ModelSequenceBatching.State': msg('ModelSequenceBatching.State', [
    f('input_name', 1, 'string'),
    f('output_name', 2, 'string'),
    enumField('data_type', 3, 'DataType'),
    repeated('dims', 4, 'int64'),
    repeated('initial_state', 5, 'message', { messageType: 'ModelSequenceBatching.InitialState' }),
    f('use_same_buffer_for_input_output', 6, 'bool', { since: '23.11' }),
    f('use_growable_memory', 7, 'bool', { since: '23.11' }),
  ]),
  'ModelSequenceBatching.StrategyDirect': msg('ModelSequenceBatching.StrategyDirect', [
    f('max_queue_delay_microseconds', 1, 'uint64'),
    f('minimum_slot_utilization', 2, 'float'),
  ]),
  'ModelSequenceBatching.StrategyOldest': msg('ModelSequenceBatching.StrategyOldest', [
    f('max_candidate_sequences', 1, 'int32'),
    repeated('preferred_batch_size', 2, 'int32'),
    f('max_queue_delay_microseconds', 3, 'uint64'),
    f('preserve_ordering', 4, 'bool'),
  ]),

  'ModelEnsembling': msg('ModelEnsembling', [
    repeated('step', 1, 'message', { messageType: 'ModelEnsembling.Step' }),
    f('max_inflight_requests', 2, 'uint32', { since: '25.11' }),
  ]),
  'ModelEnsembling.Step': msg('ModelEnsembling.Step', [
    f('model_name', 1, 'string'),
    f('model_version', 2, 'int64'),
    map('input_map', 3, 'string', 'string'),
    map('output_map', 4, 'string', 'string'),
    f('model_namespace', 5, 'string'),
  ]),

  'ModelParameter': msg('ModelParameter', [f('string_value', 1, 'string')]),

  'ModelWarmup': msg('ModelWarmup', [
    f('name', 1, 'string'),
    f('batch_size', 2, 'uint32'),
    map('inputs', 3, 'string', 'message', 'ModelWarmup.Input'),
    f('count', 4, 'uint32'),
  ]),
  'ModelWarmup.Input': msg('ModelWarmup.Input', [
    enumField('data_type', 1, 'DataType'),
    repeated('dims', 2, 'int64'),
    f('zero_data', 3, 'bool', { oneof: 'input_data_type' }),
    f('random_data', 4, 'bool', { oneof: 'input_data_type' }),
    f('input_data_file', 5, 'string', { oneof: 'input_data_type' }),
  ]),

  'ModelOperations': msg('ModelOperations', [repeated('op_library_filename', 1, 'string')]),
  'ModelTransactionPolicy': msg('ModelTransactionPolicy', [f('decoupled', 1, 'bool')]),
  'ModelRepositoryAgents': msg('ModelRepositoryAgents', [
    repeated('agents', 1, 'message', { messageType: 'ModelRepositoryAgents.Agent' }),
  ]),
  'ModelRepositoryAgents.Agent': msg('ModelRepositoryAgents.Agent', [f('name', 1, 'string'), map('parameters', 2, 'string', 'string')]),
  'ModelResponseCache': msg('ModelResponseCache', [f('enable', 1, 'bool')]),

  'ModelMetrics': msg('ModelMetrics', [
    repeated('metric_control', 1, 'message', { messageType: 'ModelMetrics.MetricControl' }),
  ]),
  'ModelMetrics.MetricControl': msg('ModelMetrics.MetricControl', [
    message('metric_identifier', 1, 'ModelMetrics.MetricControl.MetricIdentifier'),
    message('histogram_options', 2, 'ModelMetrics.MetricControl.HistogramOptions', { oneof: 'metric_options' }),
  ]),
  'ModelMetrics.MetricControl.MetricIdentifier': msg('ModelMetrics.MetricControl.MetricIdentifier', [f('family', 1, 'string')]),
  'ModelMetrics.MetricControl.HistogramOptions': msg('ModelMetrics.MetricControl.HistogramOptions', [repeated('buckets', 1, 'double')]),

  'ModelConfig': msg('ModelConfig', [
    f('name', 1, 'string'),
    f('platform', 2, 'string'),
    f('backend', 17, 'string'),
    f('runtime', 25, 'string', { since: '24.01' }),
    message('version_policy', 3, 'ModelVersionPolicy'),
    f('max_batch_size', 4, 'int32'),
    repeated('input', 5, 'message', { messageType: 'ModelInput' }),
    repeated('output', 6, 'message', { messageType: 'ModelOutput' }),
    repeated('batch_input', 20, 'message', { messageType: 'BatchInput' }),
    repeated('batch_output', 21, 'message', { messageType: 'BatchOutput' }),
    message('optimization', 12, 'ModelOptimizationPolicy'),
    message('dynamic_batching', 11, 'ModelDynamicBatching', { oneof: 'scheduling_choice' }),
    message('sequence_batching', 13, 'ModelSequenceBatching', { oneof: 'scheduling_choice' }),
    message('ensemble_scheduling', 15, 'ModelEnsembling', { oneof: 'scheduling_choice' }),
    repeated('instance_group', 7, 'message', { messageType: 'ModelInstanceGroup' }),
    f('default_model_filename', 8, 'string'),
    map('cc_model_filenames', 9, 'string', 'string'),
    map('metric_tags', 10, 'string', 'string'),
    map('parameters', 14, 'string', 'message', 'ModelParameter'),
    repeated('model_warmup', 16, 'message', { messageType: 'ModelWarmup' }),
    message('model_operations', 18, 'ModelOperations'),
    message('model_transaction_policy', 19, 'ModelTransactionPolicy'),
    message('model_repository_agents', 23, 'ModelRepositoryAgents'),
    message('response_cache', 24, 'ModelResponseCache'),
    message('model_metrics', 26, 'ModelMetrics', { since: '24.11' }),
  ]),
};

const enumOf = (name: string, values: string[]): EnumDescriptor => ({ name, values: values.map((value, number) => ({ name: value, number })) });

export const ENUMS: Record<string, EnumDescriptor> = {
  'DataType': enumOf('DataType', [
    'TYPE_INVALID',
    'TYPE_BOOL',
    'TYPE_UINT8',
    'TYPE_UINT16',
    'TYPE_UINT32',
    'TYPE_UINT64',
    'TYPE_INT8',
    'TYPE_INT16',
    'TYPE_INT32',
    'TYPE_INT64',
    'TYPE_FP16',
    'TYPE_FP32',
    'TYPE_FP64',
    'TYPE_STRING',
    'TYPE_BF16',
  ]),
  'ModelInstanceGroup.Kind': enumOf('ModelInstanceGroup.Kind', ['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL']),
  'ModelInstanceGroup.SecondaryDevice.SecondaryDeviceKind': enumOf('ModelInstanceGroup.SecondaryDevice.SecondaryDeviceKind', ['KIND_NVDLA']),
  'ModelInput.Format': enumOf('ModelInput.Format', ['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW']),
  'BatchInput.Kind': enumOf('BatchInput.Kind', [
    'BATCH_ELEMENT_COUNT',
    'BATCH_ACCUMULATED_ELEMENT_COUNT',
    'BATCH_ACCUMULATED_ELEMENT_COUNT_WITH_ZERO',
    'BATCH_MAX_ELEMENT_COUNT_AS_SHAPE',
    'BATCH_ITEM_SHAPE',
    'BATCH_ITEM_SHAPE_FLATTEN',
  ]),
  'BatchOutput.Kind': enumOf('BatchOutput.Kind', ['BATCH_SCATTER_WITH_INPUT_SHAPE']),
  'ModelOptimizationPolicy.ModelPriority': enumOf('ModelOptimizationPolicy.ModelPriority', ['PRIORITY_DEFAULT', 'PRIORITY_MAX', 'PRIORITY_MIN']),
  'ModelQueuePolicy.TimeoutAction': enumOf('ModelQueuePolicy.TimeoutAction', ['REJECT', 'DELAY']),
  'ModelSequenceBatching.Control.Kind': enumOf('ModelSequenceBatching.Control.Kind', [
    'CONTROL_SEQUENCE_START',
    'CONTROL_SEQUENCE_READY',
    'CONTROL_SEQUENCE_END',
    'CONTROL_SEQUENCE_CORRID',
  ]),
};

/** Protobuf full name of a schema type: `ModelVersionPolicy.Latest` → `inference.ModelVersionPolicy.Latest`. */
export function fullName(type: string): string {
  return `${PACKAGE}.${type}`;
}

/** Name protoc gives the synthetic entry message of a map field: `parameters` → `ParametersEntry`, `cc_model_filenames` → `CcModelFilenamesEntry`. */
export function mapEntryName(fieldName: string): string {
  return fieldName.replace(/(^|_)([a-z0-9])/g, (_match, _underscore: string, letter: string) => letter.toUpperCase()) + 'Entry';
}

// Entry descriptors are synthesised once per map field and cached, so that a map field can be parsed
// like the repeated entry message it is (`parameters { key: "a" value { ... } }`).
const mapEntries = new Map<string, MessageDescriptor>();

/** Descriptor of the entry message of map field `field` of message `type` (key = 1, value = 2), named like protoc does (`ModelConfig.ParametersEntry`). */
export function mapEntryDescriptor(type: string, field: FieldDescriptor): MessageDescriptor {
  if (!field.map) throw new Error(`${type}.${field.name} is not a map field`);
  const name = `${type}.${mapEntryName(field.name)}`;
  let entry = mapEntries.get(name);
  if (!entry) {
    const { key, value, valueMessageType } = field.map;
    entry = {
      name,
      fields: [f('key', 1, key), value === 'message' ? message('value', 2, valueMessageType ?? '') : f('value', 2, value)],
    };
    mapEntries.set(name, entry);
  }
  return entry;
}

/** Descriptor of a schema message type, including synthesised map entry types (`ModelConfig.ParametersEntry`). */
export function messageDescriptor(type: string): MessageDescriptor {
  const descriptor = MESSAGES[type] ?? mapEntries.get(type) ?? findMapEntry(type);
  if (!descriptor) throw new Error(`unknown message type ${type}`);
  return descriptor;
}

function findMapEntry(type: string): MessageDescriptor | undefined {
  const dot = type.lastIndexOf('.');
  if (dot < 0) return undefined;
  const parent = MESSAGES[type.slice(0, dot)];
  const field = parent?.fields.find((d) => d.map && mapEntryName(d.name) === type.slice(dot + 1));
  return parent && field ? mapEntryDescriptor(parent.name, field) : undefined;
}

export function fieldDescriptor(type: string, field: string): FieldDescriptor | undefined {
  return messageDescriptor(type).fields.find((d) => d.name === field);
}

export function enumDescriptor(type: string): EnumDescriptor {
  const descriptor = ENUMS[type];
  if (!descriptor) throw new Error(`unknown enum type ${type}`);
  return descriptor;
}
