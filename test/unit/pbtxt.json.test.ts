/**
 * withTritonDefaults: the config JSON Triton gives a Python model (args["model_config"]).
 * protobuf's part (defaults of every primitive field) is checked against protobuf itself in
 * pbtxt.corpus.test.ts; here, Triton's normalisation and its 64-bit-integer fix-up.
 */

import { describe, expect, it } from 'vitest';
import { toJson, withProto3Defaults, withTritonDefaults } from '../../src/pbtxt/json.js';
import { parseTextProto } from '../../src/pbtxt/parser.js';
import type { PbJsonObject } from '../../src/pbtxt/printer.js';

const fromText = (text: string): PbJsonObject => {
  const result = parseTextProto(text);
  expect(result.diagnostics).toEqual([]);
  return toJson(result.message!);
};

const IO_DEFAULTS = { format: 'FORMAT_NONE', is_shape_tensor: false, allow_ragged_batch: false, optional: false, is_non_linear_format_io: false };

describe('withTritonDefaults', () => {
  it('gives the whole normalised config of a Python model on a host without GPUs', () => {
    const config = fromText(`
      name: "dumb_stub"
      backend: "python"
      max_batch_size: 0
      input [ { name: "prompt" data_type: TYPE_STRING dims: [ 1 ] } ]
      output [ { name: "image" data_type: TYPE_UINT8 dims: [ -1, -1, 3 ] } ]
      instance_group [ { count: 1 kind: KIND_CPU } ]
      parameters { key: "seed" value { string_value: "0" } }
    `);
    expect(withTritonDefaults(config)).toEqual({
      name: 'dumb_stub',
      platform: '',
      backend: 'python',
      runtime: '',
      version_policy: { latest: { num_versions: 1 } },
      max_batch_size: 0,
      input: [{ name: 'prompt', data_type: 'TYPE_STRING', dims: [1], ...IO_DEFAULTS }],
      output: [{ name: 'image', data_type: 'TYPE_UINT8', dims: [-1, -1, 3], label_filename: '', is_shape_tensor: false, is_non_linear_format_io: false }],
      batch_input: [],
      batch_output: [],
      optimization: {
        priority: 'PRIORITY_DEFAULT',
        input_pinned_memory: { enable: true },
        output_pinned_memory: { enable: true },
        gather_kernel_buffer_threshold: 0,
        eager_batching: false,
      },
      instance_group: [
        { name: 'dumb_stub_0', kind: 'KIND_CPU', count: 1, gpus: [], secondary_devices: [], profile: [], passive: false, host_policy: '' },
      ],
      default_model_filename: 'model.py',
      cc_model_filenames: {},
      metric_tags: {},
      parameters: { seed: { string_value: '0' } },
      model_warmup: [],
    });
  });

  it('keeps field order of the proto, not of the input', () => {
    const json = withTritonDefaults({ max_batch_size: 1, name: 'm', backend: 'python' });
    expect(Object.keys(json).slice(0, 6)).toEqual(['name', 'platform', 'backend', 'runtime', 'version_policy', 'max_batch_size']);
  });

  it('does not change its argument', () => {
    const config = fromText('name: "m" backend: "python" dynamic_batching { }');
    const copy = structuredClone(config);
    withTritonDefaults(config);
    expect(config).toEqual(copy);
  });

  it('fills the name and the Python model file name', () => {
    expect(withTritonDefaults({ backend: 'python' }, { modelName: 'dir_name' })).toMatchObject({ name: 'dir_name', default_model_filename: 'model.py' });
    expect(withTritonDefaults({ default_model_filename: 'model.py' })).toMatchObject({ backend: 'python' });
    expect(withTritonDefaults({ backend: 'python', default_model_filename: 'other.py' })).toMatchObject({ default_model_filename: 'other.py' });
    expect(withTritonDefaults({ name: 'kept', backend: 'python' }, { modelName: 'dir_name' })).toMatchObject({ name: 'kept' });
  });

  describe('instance groups', () => {
    it('adds one CPU group named like the model when there is none and no GPU', () => {
      expect(withTritonDefaults({ name: 'm', backend: 'python' }).instance_group).toEqual([
        { name: 'm', kind: 'KIND_CPU', count: 1, gpus: [], secondary_devices: [], profile: [], passive: false, host_policy: '' },
      ]);
    });

    it('adds one GPU group over every GPU when the host has some (the Python backend prefers KIND_GPU)', () => {
      expect(withTritonDefaults({ name: 'm', backend: 'python' }, { gpus: [1, 0] }).instance_group).toMatchObject([{ name: 'm', kind: 'KIND_GPU', count: 1, gpus: [0, 1] }]);
    });

    it('resolves KIND_AUTO from the GPUs listed and present', () => {
      const config = fromText('name: "m" backend: "python" instance_group [ { gpus: [ 0 ] }, { kind: KIND_AUTO gpus: [ 0, 3 ] }, { count: 4 } ]');
      expect(withTritonDefaults(config, { gpus: [0, 1] }).instance_group).toMatchObject([
        { name: 'm_0', kind: 'KIND_GPU', count: 1, gpus: [0] },
        { name: 'm_1', kind: 'KIND_CPU', count: 1, gpus: [0, 3] },
        { name: 'm_2', kind: 'KIND_GPU', count: 4, gpus: [0, 1] },
      ]);
      expect(withTritonDefaults(config).instance_group).toMatchObject([{ kind: 'KIND_CPU' }, { kind: 'KIND_CPU' }, { kind: 'KIND_CPU', count: 4, gpus: [] }]);
    });

    it('defaults the count to 2 for CPU groups of the TensorFlow and ONNX Runtime backends only', () => {
      expect(withTritonDefaults({ name: 'm', backend: 'onnxruntime', instance_group: [{ kind: 'KIND_CPU' }] }).instance_group).toMatchObject([{ count: 2 }]);
      expect(withTritonDefaults({ name: 'm', backend: 'python', instance_group: [{ kind: 'KIND_CPU', count: 0 }] }).instance_group).toMatchObject([{ count: 1 }]);
      expect(withTritonDefaults({ name: 'm', backend: 'onnxruntime', instance_group: [{ kind: 'KIND_MODEL' }] }).instance_group).toMatchObject([{ kind: 'KIND_MODEL', count: 1 }]);
    });

    it('leaves ensembles without instance groups and optimization', () => {
      const json = withTritonDefaults(fromText('name: "e" platform: "ensemble" ensemble_scheduling { step { model_name: "a" model_version: -1 } }'));
      expect(json.instance_group).toEqual([]);
      expect(json.optimization).toBeUndefined();
      expect(json.ensemble_scheduling).toEqual({
        step: [{ model_name: 'a', model_version: -1, input_map: {}, output_map: {}, model_namespace: '' }],
        max_inflight_requests: 0,
      });
    });
  });

  describe('schedulers', () => {
    it('defaults preferred batch sizes to max_batch_size', () => {
      expect(withTritonDefaults({ max_batch_size: 8, dynamic_batching: {} }).dynamic_batching).toMatchObject({ preferred_batch_size: [8] });
      expect(withTritonDefaults({ max_batch_size: 8, dynamic_batching: { preferred_batch_size: [2] } }).dynamic_batching).toMatchObject({ preferred_batch_size: [2] });
      expect(withTritonDefaults({ max_batch_size: 0, dynamic_batching: {} }).dynamic_batching).toMatchObject({ preferred_batch_size: [] });
      expect(withTritonDefaults({ max_batch_size: 4, sequence_batching: { oldest: {} } }).sequence_batching).toMatchObject({ oldest: { preferred_batch_size: [4] } });
    });

    it('gives dynamic batching every default, with 64-bit fields as numbers', () => {
      expect(withTritonDefaults(fromText('max_batch_size: 2 dynamic_batching { priority_queue_policy { key: 1 value { } } }')).dynamic_batching).toEqual({
        preferred_batch_size: [2],
        max_queue_delay_microseconds: 0,
        preserve_ordering: false,
        priority_levels: 0,
        default_priority_level: 0,
        priority_queue_policy: { '1': { timeout_action: 'REJECT', default_timeout_microseconds: 0, allow_timeout_override: false, max_queue_size: 0 } },
      });
    });

    it('defaults the sequence idle time to 1 s', () => {
      expect(withTritonDefaults({ sequence_batching: {} }).sequence_batching).toEqual({
        max_sequence_idle_microseconds: 1000000,
        control_input: [],
        state: [],
        iterative_sequence: false,
      });
      expect(withTritonDefaults({ sequence_batching: { max_sequence_idle_microseconds: 5 } }).sequence_batching).toMatchObject({ max_sequence_idle_microseconds: 5 });
    });

    it('keeps a version policy that is given', () => {
      expect(withTritonDefaults(fromText('version_policy { specific { versions: [ 1, 3 ] } }')).version_policy).toEqual({ specific: { versions: [1, 3] } });
      expect(withTritonDefaults(fromText('version_policy { all { } }')).version_policy).toEqual({ all: {} });
    });
  });

  describe("Triton's 64-bit integer fix-up", () => {
    const json = withTritonDefaults(
      fromText(`
        name: "m" backend: "python" max_batch_size: 2
        input { name: "i" data_type: TYPE_INT64 dims: [ 2 ] reshape { shape: [ 1, 2 ] } }
        instance_group { kind: KIND_CPU secondary_devices { device_id: 3 } }
        sequence_batching {
          oldest { max_queue_delay_microseconds: 7 }
          state { input_name: "a" output_name: "b" dims: [ 4 ] initial_state { dims: [ 4 ] zero_data: true } }
        }
        optimization { cuda { graph_spec { input { key: "i" value { dim: [ 2 ] } } } } }
        model_warmup { inputs { key: "i" value { dims: [ 2 ] zero_data: true } } }
      `),
    );

    it('turns the fields Triton fixes into numbers', () => {
      expect(json.input).toMatchObject([{ dims: [2], reshape: { shape: [1, 2] } }]);
      expect(json.sequence_batching).toMatchObject({ max_sequence_idle_microseconds: 1000000, oldest: { max_queue_delay_microseconds: 7 }, state: [{ dims: [4] }] });
      expect(json.model_warmup).toMatchObject([{ inputs: { i: { dims: [2] } } }]);
    });

    it('leaves the others as protobuf prints them: decimal strings', () => {
      expect(json.instance_group).toMatchObject([{ secondary_devices: [{ kind: 'KIND_NVDLA', device_id: '3' }] }]);
      expect(json.sequence_batching).toMatchObject({ state: [{ initial_state: [{ dims: ['4'], zero_data: true, data_type: 'TYPE_INVALID', name: '' }] }] });
      expect(json.optimization).toMatchObject({ cuda: { graph_spec: [{ input: { i: { dim: ['2'] } }, batch_size: 0 }] } });
    });

    it('keeps values too large for a JS number as strings', () => {
      expect(withTritonDefaults(fromText('input { dims: 9007199254740993 }')).input).toMatchObject([{ dims: ['9007199254740993'] }]);
    });
  });
});

describe('withProto3Defaults', () => {
  it('leaves absent messages and unset oneof members out', () => {
    expect(withProto3Defaults({ inputs: { i: { data_type: 'TYPE_FP32' } } }, 'ModelWarmup')).toEqual({
      name: '',
      batch_size: 0,
      inputs: { i: { data_type: 'TYPE_FP32', dims: [] } },
      count: 0,
    });
    expect(withProto3Defaults({}, 'ModelVersionPolicy')).toEqual({});
  });
});
