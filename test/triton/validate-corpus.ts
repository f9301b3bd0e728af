/**
 * The corpus of model folders the validate-vs-Triton differential loads: single-fault mutations of a
 * generated config, at least one per rule `validate` has and per ModelConfig field it reads, plus
 * faults in version folders and model.py. Each case is judged by real Triton; nothing here says what
 * the verdict should be.
 */

/** A config with every common field set, as `create` writes it for a batched model with dynamic batching. */
export const BASE_CONFIG = `name: "NAME"
backend: "python"
max_batch_size: 4
input [
  {
    name: "x"
    data_type: TYPE_FP32
    dims: [ 4 ]
  },
  {
    name: "y"
    data_type: TYPE_INT32
    dims: [ -1 ]
    optional: true
  }
]
output [
  {
    name: "z"
    data_type: TYPE_FP32
    dims: [ 4 ]
  }
]
instance_group [
  {
    count: 1
    kind: KIND_CPU
  }
]
dynamic_batching { }
parameters {
  key: "threshold"
  value {
    string_value: "0.5"
  }
}
`;

/**
 * A model.py that loads whatever the config says (it reads nothing from it), so that a load failure
 * is the config's, not the code's. It answers every request with its inputs' first tensor as "z".
 */
export const NEUTRAL_MODEL = `import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        self.name = args["model_name"]

    def execute(self, requests):
        return [pb_utils.InferenceResponse(output_tensors=[]) for _ in requests]
`;

export interface CorpusCase {
  /** Folder name (and config name): unique. */
  id: string;
  /** What the case exercises: a validate rule or a ModelConfig field, for the agreement table. */
  rule: string;
  /** The config text, from BASE_CONFIG with NAME already the case's id; null: no config.pbtxt. */
  config?: (base: string) => string | null;
  /** Files of the model folder beside config.pbtxt; null removes one. Default: {'1/model.py': NEUTRAL_MODEL}. */
  files?: Record<string, string | null>;
  /** A fuzzed case: how it was made, to reproduce it from a report. */
  fuzzNote?: string;
}

const replace = (from: string | RegExp, to: string) => (base: string) => {
  const next = base.replace(from, to);
  if (next === base) throw new Error(`corpus: ${String(from)} not found in the base config`);
  return next;
};
const append = (text: string) => (base: string) => `${base}${text}\n`;
const without = (from: string | RegExp) => replace(from, '');
const inputX = `  {
    name: "x"
    data_type: TYPE_FP32
    dims: [ 4 ]
  }`;
const outputZ = `  {
    name: "z"
    data_type: TYPE_FP32
    dims: [ 4 ]
  }`;
const withInputX = (fields: string) => replace(inputX, `  {\n    name: "x"\n    data_type: TYPE_FP32\n    dims: [ 4 ]\n${fields}\n  }`);
const withOutputZ = (fields: string) => replace(outputZ, `  {\n    name: "z"\n    data_type: TYPE_FP32\n    dims: [ 4 ]\n${fields}\n  }`);
const instanceGroup = (body: string) => replace(/instance_group \[[\s\S]*?\n\]\n/, `instance_group [\n${body}\n]\n`);
const dynamic = (body: string) => replace('dynamic_batching { }', `dynamic_batching {\n${body}\n}`);
const sequence = (body: string) => replace('dynamic_batching { }', `sequence_batching {\n${body}\n}`);

export const CORPUS: CorpusCase[] = [
  // The base itself, and the generated shapes of config that must load.
  { id: 'base', rule: 'base' },
  { id: 'unbatched', rule: 'max_batch_size', config: (b) => without('dynamic_batching { }\n')(replace('max_batch_size: 4', 'max_batch_size: 0')(b)) },

  // name
  { id: 'name_other', rule: 'name', config: replace(/name: "name_other"/, 'name: "other"') },
  { id: 'name_absent', rule: 'name', config: without(/name: "name_absent"\n/) },
  { id: 'name_empty', rule: 'name', config: replace(/name: "name_empty"/, 'name: ""') },

  // backend / platform
  { id: 'backend_absent', rule: 'backend-platform', config: without('backend: "python"\n') },
  { id: 'backend_unknown', rule: 'backend-platform', config: replace('backend: "python"', 'backend: "nosuch"') },
  { id: 'backend_pytorch', rule: 'backend-platform', config: replace('backend: "python"', 'backend: "pytorch"') },
  { id: 'backend_empty', rule: 'backend-platform', config: replace('backend: "python"', 'backend: ""') },
  { id: 'platform_with_backend', rule: 'backend-platform', config: replace('backend: "python"', 'backend: "python"\nplatform: "pytorch_libtorch"') },
  { id: 'platform_ensemble_no_steps', rule: 'ensemble', config: replace('backend: "python"', 'platform: "ensemble"') },
  { id: 'platform_unknown', rule: 'backend-platform', config: replace('backend: "python"', 'platform: "nosuch_platform"') },
  { id: 'runtime_set', rule: 'backend-platform', config: replace('backend: "python"', 'backend: "python"\nruntime: "model.py"') },
  { id: 'runtime_library', rule: 'backend-platform', config: replace('backend: "python"', 'backend: "python"\nruntime: "libtriton_python.so"') },
  { id: 'runtime_other_library', rule: 'backend-platform', config: replace('backend: "python"', 'backend: "python"\nruntime: "libtriton_other.so"') },
  { id: 'backend_tensorflow', rule: 'backend-platform', config: replace('backend: "python"', 'backend: "tensorflow"') },

  // max_batch_size
  { id: 'mbs_negative', rule: 'max-batch-size', config: replace('max_batch_size: 4', 'max_batch_size: -1') },
  { id: 'mbs_zero_dynamic', rule: 'batching', config: replace('max_batch_size: 4', 'max_batch_size: 0') },
  { id: 'mbs_int32_max', rule: 'max-batch-size', config: replace('max_batch_size: 4', 'max_batch_size: 2147483647') },
  { id: 'mbs_int32_overflow', rule: 'parse', config: replace('max_batch_size: 4', 'max_batch_size: 2147483648') },

  // inputs and outputs
  { id: 'input_no_name', rule: 'tensor', config: replace('    name: "x"\n', '') },
  { id: 'input_twice', rule: 'tensor', config: replace('input [\n', `input [\n${inputX},\n`) },
  { id: 'input_named_as_output', rule: 'tensor', config: replace('    name: "y"', '    name: "z"') },
  { id: 'output_no_name', rule: 'tensor', config: replace('    name: "z"\n', '') },
  { id: 'output_twice', rule: 'tensor', config: replace('output [\n', `output [\n${outputZ},\n`) },
  { id: 'no_inputs', rule: 'tensor', config: replace(/input \[[\s\S]*?\n\]\n/, '') },
  { id: 'no_outputs', rule: 'tensor', config: replace(/output \[[\s\S]*?\n\]\n/, '') },
  { id: 'data_type_invalid', rule: 'tensor', config: replace('    data_type: TYPE_INT32', '    data_type: TYPE_INVALID') },
  { id: 'data_type_absent', rule: 'tensor', config: replace('    data_type: TYPE_INT32\n', '') },
  { id: 'data_type_unknown_name', rule: 'parse', config: replace('    data_type: TYPE_INT32', '    data_type: TYPE_FP33') },
  { id: 'data_type_number', rule: 'tensor', config: replace('    data_type: TYPE_INT32', '    data_type: 8') },
  { id: 'data_type_bf16', rule: 'tensor', config: replace('    data_type: TYPE_INT32', '    data_type: TYPE_BF16') },
  { id: 'data_type_string_output', rule: 'tensor', config: replace('    data_type: TYPE_FP32\n    dims: [ 4 ]\n  }\n]\ninstance', '    data_type: TYPE_STRING\n    dims: [ 4 ]\n  }\n]\ninstance') },
  { id: 'dims_empty', rule: 'dims', config: replace('    dims: [ -1 ]', '    dims: [ ]') },
  { id: 'dims_absent', rule: 'dims', config: replace('    dims: [ -1 ]\n', '') },
  { id: 'dims_zero', rule: 'dims', config: replace('    dims: [ -1 ]', '    dims: [ 0 ]') },
  { id: 'dims_minus_two', rule: 'dims', config: replace('    dims: [ -1 ]', '    dims: [ -2 ]') },
  { id: 'dims_variable_twice', rule: 'dims', config: replace('    dims: [ -1 ]', '    dims: [ -1, -1 ]') },
  { id: 'dims_large', rule: 'dims', config: replace('    dims: [ -1 ]', '    dims: [ 9007199254740993 ]') },
  { id: 'dims_output_variable', rule: 'dims', config: withOutputZ('    reshape { shape: [ 2, 2 ] }') },
  { id: 'optional_output', rule: 'parse', config: withOutputZ('    optional: true') },
  { id: 'optional_unbatched', rule: 'tensor', config: (b) => without('dynamic_batching { }\n')(replace('max_batch_size: 4', 'max_batch_size: 0')(b)) },
  { id: 'shape_tensor_input', rule: 'tensor', config: withInputX('    is_shape_tensor: true') },
  { id: 'ragged_input', rule: 'tensor', config: withInputX('    allow_ragged_batch: true') },
  { id: 'format_nhwc_wrong_rank', rule: 'format', config: withInputX('    format: FORMAT_NHWC') },
  { id: 'format_nchw_rank3', rule: 'format', config: replace(inputX, '  {\n    name: "x"\n    data_type: TYPE_FP32\n    format: FORMAT_NCHW\n    dims: [ 3, 2, 2 ]\n  }') },
  { id: 'non_linear_format', rule: 'tensor', config: withInputX('    is_non_linear_format_io: true') },
  { id: 'label_file_missing', rule: 'label-file', config: withOutputZ('    label_filename: "labels.txt"') },
  { id: 'label_file_present', rule: 'label-file', config: withOutputZ('    label_filename: "labels.txt"'), files: { '1/model.py': NEUTRAL_MODEL, 'labels.txt': 'a\nb\nc\nd\n' } },
  { id: 'input_name_with_space', rule: 'tensor', config: replace('    name: "y"', '    name: "y y"') },

  // reshape
  { id: 'reshape_same_count', rule: 'reshape', config: withInputX('    reshape { shape: [ 2, 2 ] }') },
  { id: 'reshape_other_count', rule: 'reshape', config: withInputX('    reshape { shape: [ 3 ] }') },
  { id: 'reshape_empty_of_one', rule: 'reshape', config: replace(inputX, '  {\n    name: "x"\n    data_type: TYPE_FP32\n    dims: [ 1 ]\n    reshape { shape: [ ] }\n  }') },
  { id: 'reshape_variable_mismatch', rule: 'reshape', config: replace('    dims: [ -1 ]', '    dims: [ -1 ]\n    reshape { shape: [ 2, -1 ] }') },
  { id: 'reshape_variable_kept', rule: 'reshape', config: replace('    dims: [ -1 ]', '    dims: [ -1 ]\n    reshape { shape: [ -1, 1 ] }') },

  // instance_group
  { id: 'ig_count_zero', rule: 'instance-group', config: replace('    count: 1', '    count: 0') },
  { id: 'ig_count_negative', rule: 'instance-group', config: replace('    count: 1', '    count: -1') },
  { id: 'ig_gpu', rule: 'instance-group', config: replace('KIND_CPU', 'KIND_GPU') },
  { id: 'ig_gpu_listed', rule: 'instance-group', config: replace('    kind: KIND_CPU', '    kind: KIND_GPU\n    gpus: [ 0 ]') },
  { id: 'ig_model', rule: 'instance-group', config: replace('KIND_CPU', 'KIND_MODEL') },
  { id: 'ig_auto', rule: 'kind', config: replace('KIND_CPU', 'KIND_AUTO') },
  { id: 'ig_cpu_with_gpus', rule: 'instance-group', config: replace('    kind: KIND_CPU', '    kind: KIND_CPU\n    gpus: [ 0 ]') },
  { id: 'ig_two_groups', rule: 'instance-group', config: instanceGroup('  {\n    count: 2\n    kind: KIND_CPU\n  },\n  {\n    count: 1\n    kind: KIND_CPU\n  }') },
  { id: 'ig_named', rule: 'instance-group', config: replace('    count: 1', '    name: "main"\n    count: 1') },
  { id: 'ig_same_names', rule: 'instance-group', config: instanceGroup('  {\n    name: "a"\n    kind: KIND_CPU\n  },\n  {\n    name: "a"\n    kind: KIND_CPU\n  }') },
  { id: 'ig_passive', rule: 'instance-group', config: replace('    count: 1', '    count: 1\n    passive: true') },
  { id: 'ig_host_policy', rule: 'instance-group', config: replace('    count: 1', '    count: 1\n    host_policy: "numa0"') },
  { id: 'ig_profile', rule: 'instance-group', config: replace('    count: 1', '    count: 1\n    profile: [ "0" ]') },
  { id: 'ig_secondary_devices', rule: 'instance-group', config: replace('    count: 1', '    count: 1\n    secondary_devices [ { kind: KIND_NVDLA device_id: 0 } ]') },
  { id: 'ig_absent', rule: 'instance-group', config: replace(/instance_group \[[\s\S]*?\n\]\n/, '') },
  { id: 'ig_unknown_kind', rule: 'parse', config: replace('KIND_CPU', 'KIND_TPU') },

  // dynamic batching
  { id: 'db_preferred_over_max', rule: 'batching', config: dynamic('  preferred_batch_size: [ 8 ]') },
  { id: 'db_preferred_zero', rule: 'batching', config: dynamic('  preferred_batch_size: [ 0 ]') },
  { id: 'db_preferred_ok', rule: 'batching', config: dynamic('  preferred_batch_size: [ 2, 4 ]') },
  { id: 'db_queue_delay', rule: 'batching', config: dynamic('  max_queue_delay_microseconds: 100') },
  { id: 'db_preserve_ordering', rule: 'batching', config: dynamic('  preserve_ordering: true') },
  { id: 'db_priority_ok', rule: 'batching', config: dynamic('  priority_levels: 2\n  default_priority_level: 1') },
  { id: 'db_priority_default_zero', rule: 'batching', config: dynamic('  priority_levels: 2\n  default_priority_level: 0') },
  { id: 'db_priority_default_over', rule: 'batching', config: dynamic('  priority_levels: 2\n  default_priority_level: 3') },
  { id: 'db_priority_without_levels', rule: 'batching', config: dynamic('  default_priority_level: 1') },
  { id: 'db_queue_policy', rule: 'batching', config: dynamic('  default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 100 allow_timeout_override: true max_queue_size: 8 }') },
  { id: 'db_priority_queue_policy_unknown_level', rule: 'batching', config: dynamic('  priority_levels: 2\n  default_priority_level: 1\n  priority_queue_policy { key: 5 value { max_queue_size: 4 } }') },
  { id: 'db_on_unbatched', rule: 'batching', config: replace('max_batch_size: 4', 'max_batch_size: 0') },

  // sequence batching
  { id: 'sb_plain', rule: 'sequence-batching', config: sequence('  max_sequence_idle_microseconds: 5000000') },
  { id: 'sb_oldest', rule: 'sequence-batching', config: sequence('  oldest { max_candidate_sequences: 4 }') },
  { id: 'sb_direct', rule: 'sequence-batching', config: sequence('  direct { }') },
  { id: 'sb_control_start', rule: 'sequence-batching', config: sequence('  control_input [ { name: "START" control [ { kind: CONTROL_SEQUENCE_START fp32_false_true: [ 0, 1 ] } ] } ]') },
  { id: 'sb_control_two_values', rule: 'sequence-batching', config: sequence('  control_input [ { name: "START" control [ { kind: CONTROL_SEQUENCE_START fp32_false_true: [ 0, 1 ] int32_false_true: [ 0, 1 ] } ] } ]') },
  { id: 'sb_control_no_values', rule: 'sequence-batching', config: sequence('  control_input [ { name: "START" control [ { kind: CONTROL_SEQUENCE_START } ] } ]') },
  { id: 'sb_control_named_as_input', rule: 'sequence-batching', config: sequence('  control_input [ { name: "x" control [ { kind: CONTROL_SEQUENCE_READY int32_false_true: [ 0, 1 ] } ] } ]') },
  { id: 'sb_correlation_id', rule: 'sequence-batching', config: sequence('  control_input [ { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 } ] } ]') },
  { id: 'sb_correlation_id_no_type', rule: 'sequence-batching', config: sequence('  control_input [ { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID } ] } ]') },
  { id: 'sb_state', rule: 'sequence-batching', config: sequence('  state [ { input_name: "STATE_IN" output_name: "STATE_OUT" data_type: TYPE_FP32 dims: [ 4 ] } ]') },
  { id: 'sb_state_named_as_input', rule: 'sequence-batching', config: sequence('  state [ { input_name: "x" output_name: "STATE_OUT" data_type: TYPE_FP32 dims: [ 4 ] } ]') },
  { id: 'sb_unbatched_direct', rule: 'sequence-batching', config: (b) => sequence('  direct { }')(replace('max_batch_size: 4', 'max_batch_size: 0')(b)) },
  { id: 'sb_and_db', rule: 'parse', config: append('sequence_batching { }') },
  { id: 'ensemble_scheduling_on_python', rule: 'ensemble', config: append('ensemble_scheduling { step [ { model_name: "base" model_version: -1 input_map { key: "x" value: "x" } output_map { key: "z" value: "z" } } ] }') },

  // version policy and version folders
  { id: 'vp_latest_two', rule: 'version-policy', config: append('version_policy { latest { num_versions: 2 } }'), files: { '1/model.py': NEUTRAL_MODEL, '2/model.py': NEUTRAL_MODEL } },
  { id: 'vp_latest_zero', rule: 'version-policy', config: append('version_policy { latest { num_versions: 0 } }') },
  { id: 'vp_all', rule: 'version-policy', config: append('version_policy { all { } }'), files: { '1/model.py': NEUTRAL_MODEL, '3/model.py': NEUTRAL_MODEL } },
  { id: 'vp_specific_present', rule: 'version-policy', config: append('version_policy { specific { versions: [ 1 ] } }') },
  { id: 'vp_specific_missing', rule: 'version-policy', config: append('version_policy { specific { versions: [ 2 ] } }') },
  { id: 'vp_specific_some_missing', rule: 'version-policy', config: append('version_policy { specific { versions: [ 1, 4 ] } }') },
  { id: 'vp_specific_empty', rule: 'version-policy', config: append('version_policy { specific { } }') },
  { id: 'vf_none', rule: 'version-folder', files: { '1/model.py': null } },
  { id: 'vf_named_v1', rule: 'version-folder', files: { '1/model.py': null, 'v1/model.py': NEUTRAL_MODEL } },
  { id: 'vf_zero', rule: 'version-folder', files: { '1/model.py': null, '0/model.py': NEUTRAL_MODEL } },
  { id: 'vf_leading_zero', rule: 'version-folder', files: { '1/model.py': null, '01/model.py': NEUTRAL_MODEL } },
  { id: 'vf_negative', rule: 'version-folder', files: { '1/model.py': null, '-1/model.py': NEUTRAL_MODEL } },
  { id: 'vf_negative_not_loaded', rule: 'version-folder', files: { '1/model.py': NEUTRAL_MODEL, '-1/model.py': NEUTRAL_MODEL } },
  { id: 'vf_plus_sign', rule: 'version-folder', files: { '1/model.py': null, '+1/model.py': NEUTRAL_MODEL } },
  { id: 'vf_trailing_characters', rule: 'version-folder', files: { '1/model.py': NEUTRAL_MODEL, '2_old/model.py': NEUTRAL_MODEL } },
  { id: 'vf_trailing_characters_beside', rule: 'version-folder', files: { '2/model.py': NEUTRAL_MODEL, '2_old/notes.txt': 'x' } },
  { id: 'vf_extra_non_numeric', rule: 'version-folder', files: { '1/model.py': NEUTRAL_MODEL, 'notes/readme.txt': 'x' } },
  { id: 'vf_latest_without_model', rule: 'model-file', files: { '1/model.py': NEUTRAL_MODEL, '2/readme.txt': 'x' } },
  { id: 'vf_model_missing', rule: 'model-file', files: { '1/model.py': null, '1/other.py': NEUTRAL_MODEL } },
  { id: 'vf_default_filename', rule: 'model-file', config: append('default_model_filename: "other.py"'), files: { '1/model.py': null, '1/other.py': NEUTRAL_MODEL } },
  { id: 'vf_default_filename_missing', rule: 'model-file', config: append('default_model_filename: "other.py"') },
  { id: 'vf_huge_version', rule: 'version-folder', files: { '1/model.py': null, '99999999999999999999/model.py': NEUTRAL_MODEL } },
  { id: 'no_config', rule: 'no-config', config: () => null },
  { id: 'no_config_auto_complete', rule: 'no-config', config: () => null, files: { '1/model.py': `${NEUTRAL_MODEL}\n    @staticmethod\n    def auto_complete_config(auto_complete_model_config):\n        auto_complete_model_config.add_input({"name": "x", "data_type": "TYPE_FP32", "dims": [4]})\n        auto_complete_model_config.add_output({"name": "z", "data_type": "TYPE_FP32", "dims": [4]})\n        return auto_complete_model_config\n` } },
  { id: 'no_config_no_model_file', rule: 'no-config', config: () => null, files: { '1/main.py': NEUTRAL_MODEL } },

  // parameters
  { id: 'param_empty_key', rule: 'parameters', config: append('parameters { key: "" value { string_value: "x" } }') },
  { id: 'param_no_value', rule: 'parameters', config: append('parameters { key: "k" value { } }') },
  { id: 'param_key_only', rule: 'parameters', config: append('parameters { key: "k" }') },
  { id: 'param_twice', rule: 'parameters', config: append('parameters { key: "threshold" value { string_value: "0.7" } }') },
  { id: 'param_execution_env_missing', rule: 'parameters', config: append('parameters { key: "EXECUTION_ENV_PATH" value { string_value: "$$TRITON_MODEL_DIRECTORY/env.tar.gz" } }') },
  { id: 'param_execution_env_outside', rule: 'parameters', config: append('parameters { key: "EXECUTION_ENV_PATH" value { string_value: "/nonexistent/env.tar.gz" } }') },
  { id: 'param_shm_growth', rule: 'parameters', config: append('parameters { key: "shm-growth-byte-size" value { string_value: "1048576" } }') },

  // transaction policy, cache, warmup, optimization, batch inputs, metrics, unknown fields
  { id: 'decoupled_true', rule: 'model_transaction_policy', config: append('model_transaction_policy { decoupled: true }') },
  { id: 'response_cache', rule: 'enable', config: append('response_cache { enable: true }') },
  { id: 'response_cache_decoupled', rule: 'enable', config: append('response_cache { enable: true }\nmodel_transaction_policy { decoupled: true }') },
  { id: 'warmup_ok', rule: 'model_warmup', config: append('model_warmup [ { name: "w" batch_size: 1 inputs { key: "x" value { data_type: TYPE_FP32 dims: [ 4 ] zero_data: true } } } ]') },
  { id: 'warmup_unknown_input', rule: 'model_warmup', config: append('model_warmup [ { name: "w" batch_size: 1 inputs { key: "nosuch" value { data_type: TYPE_FP32 dims: [ 4 ] zero_data: true } } } ]') },
  { id: 'warmup_no_data', rule: 'model_warmup', config: append('model_warmup [ { name: "w" batch_size: 1 inputs { key: "x" value { data_type: TYPE_FP32 dims: [ 4 ] } } } ]') },
  { id: 'warmup_batch_zero', rule: 'model_warmup', config: append('model_warmup [ { name: "w" batch_size: 0 inputs { key: "x" value { data_type: TYPE_FP32 dims: [ 4 ] } } } ]') },
  { id: 'warmup_variable_dims', rule: 'model_warmup', config: append('model_warmup [ { name: "w" batch_size: 1 inputs { key: "x" value { data_type: TYPE_FP32 dims: [ 4 ] random_data: true } } inputs { key: "y" value { data_type: TYPE_INT32 dims: [ -1 ] zero_data: true } } } ]') },
  { id: 'warmup_wrong_type', rule: 'model_warmup', config: append('model_warmup [ { name: "w" batch_size: 1 inputs { key: "x" value { data_type: TYPE_INT32 dims: [ 4 ] zero_data: true } } } ]') },
  { id: 'warmup_wrong_dims', rule: 'model_warmup', config: append('model_warmup [ { name: "w" batch_size: 2 inputs { key: "x" value { data_type: TYPE_FP32 dims: [ 3 ] zero_data: true } } } ]') },
  { id: 'warmup_optional_given', rule: 'model_warmup', config: append('model_warmup [ { name: "w" batch_size: 1 inputs { key: "x" value { data_type: TYPE_FP32 dims: [ 4 ] zero_data: true } } inputs { key: "y" value { data_type: TYPE_INT32 dims: [ 3 ] random_data: true } } } ]') },
  { id: 'warmup_file_missing', rule: 'model_warmup', config: append('model_warmup [ { name: "w" batch_size: 1 inputs { key: "x" value { data_type: TYPE_FP32 dims: [ 4 ] input_data_file: "x.bin" } } } ]') },
  { id: 'warmup_file_present', rule: 'model_warmup', config: append('model_warmup [ { name: "w" batch_size: 1 inputs { key: "x" value { data_type: TYPE_FP32 dims: [ 4 ] input_data_file: "x.bin" } } } ]'), files: { '1/model.py': NEUTRAL_MODEL, 'warmup/x.bin': '0123456789abcdef' } },
  { id: 'optimization_pinned', rule: 'optimization', config: append('optimization { input_pinned_memory { enable: false } }') },
  { id: 'optimization_priority', rule: 'optimization', config: append('optimization { priority: PRIORITY_MAX }') },
  { id: 'batch_input_ok', rule: 'batch-io', config: append('batch_input [ { kind: BATCH_ELEMENT_COUNT target_name: "count" data_type: TYPE_FP32 source_input: "y" } ]') },
  { id: 'batch_input_bad_source', rule: 'batch-io', config: append('batch_input [ { kind: BATCH_ELEMENT_COUNT target_name: "count" data_type: TYPE_FP32 source_input: "nosuch" } ]') },
  { id: 'batch_input_int64', rule: 'batch-io', config: append('batch_input [ { kind: BATCH_ELEMENT_COUNT target_name: "count" data_type: TYPE_INT64 source_input: "y" } ]') },
  { id: 'batch_input_named_as_input', rule: 'batch-io', config: append('batch_input [ { kind: BATCH_ELEMENT_COUNT target_name: "x" data_type: TYPE_FP32 source_input: "y" } ]') },
  { id: 'batch_output_ok', rule: 'batch-io', config: append('batch_output [ { target_name: [ "z" ] kind: BATCH_SCATTER_WITH_INPUT_SHAPE source_input: [ "x" ] } ]') },
  { id: 'batch_output_unknown_target', rule: 'batch-io', config: append('batch_output [ { target_name: [ "nosuch" ] kind: BATCH_SCATTER_WITH_INPUT_SHAPE source_input: [ "x" ] } ]') },
  { id: 'metrics_ok', rule: 'model-metrics', config: append('model_metrics { metric_control [ { metric_identifier { family: "nv_inference_request_duration" } histogram_options { buckets: [ 1, 10, 100 ] } } ] }') },
  { id: 'metric_tags', rule: 'model-metrics', config: append('metric_tags { key: "team" value: "ml" }') },
  { id: 'unknown_field', rule: 'parse', config: append('max_batchsize: 4') },
  { id: 'unknown_enum_number', rule: 'tensor', config: replace('    data_type: TYPE_INT32', '    data_type: 99') },
  { id: 'invalid_utf8_parameter_key', rule: 'parse', config: append('parameters { key: "\\uD800" value { string_value: "x" } }') },
  { id: 'cc_model_filenames', rule: 'model-file', config: append('cc_model_filenames { key: "8.0" value: "model.py" }') },

  // model.py
  { id: 'py_no_class', rule: 'python-class', files: { '1/model.py': 'import triton_python_backend_utils as pb_utils\n\n\nclass Model:\n    def execute(self, requests):\n        return []\n' } },
  { id: 'py_no_execute', rule: 'python-class', files: { '1/model.py': 'class TritonPythonModel:\n    def initialize(self, args):\n        pass\n' } },
  { id: 'py_syntax_error', rule: 'python-scan', files: { '1/model.py': 'class TritonPythonModel:\n    def execute(self, requests)\n        return []\n' } },
  { id: 'py_indentation_error', rule: 'python-scan', files: { '1/model.py': 'class TritonPythonModel:\n    def execute(self, requests):\n    return []\n' } },
  { id: 'py_syntax_error_other_version', rule: 'python-scan', config: append('version_policy { specific { versions: [ 2 ] } }'), files: { '1/model.py': 'class TritonPythonModel:\n    def execute(self, requests)\n        return []\n', '2/model.py': NEUTRAL_MODEL } },
  { id: 'py_missing_import', rule: 'python-scan', files: { '1/model.py': `import not_a_module_anyone_has\n${NEUTRAL_MODEL}` } },
  { id: 'py_unknown_tensor_name', rule: 'python-tensor-name', files: { '1/model.py': NEUTRAL_MODEL.replace('output_tensors=[]', 'output_tensors=[pb_utils.Tensor("nosuch", pb_utils.get_input_tensor_by_name(r, "x").as_numpy())]').replace('for _ in requests', 'for r in requests') } },
  { id: 'py_auto_complete_static', rule: 'auto-complete', config: replace(/output \[[\s\S]*?\n\]\n/, ''), files: { '1/model.py': `${NEUTRAL_MODEL}\n    @staticmethod\n    def auto_complete_config(auto_complete_model_config):\n        auto_complete_model_config.add_output({"name": "z", "data_type": "TYPE_FP32", "dims": [4]})\n        return auto_complete_model_config\n` } },
  { id: 'py_auto_complete_not_static', rule: 'python-class', files: { '1/model.py': `${NEUTRAL_MODEL}\n    def auto_complete_config(auto_complete_model_config):\n        return auto_complete_model_config\n` } },
  { id: 'py_initialize_raises', rule: 'python-class', files: { '1/model.py': NEUTRAL_MODEL.replace('self.name = args["model_name"]', 'raise RuntimeError("weights missing")') } },
];
