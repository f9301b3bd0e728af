/**
 * The broken-repository corpus: the hand-written dumb_stub repository of the reference tutorial
 * (test/fixtures/validate/dumb_stub, which validates clean) with one fault each, and the exact
 * findings the validator gives, as `validate` prints them from the repository folder
 * (file:line:column: severity: message). Every rule of src/validate has a case here; the variants
 * at the end are configs Triton accepts, which must give no finding at all.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRepository, type CheckOptions } from '../../src/validate/model.js';
import { findingFile, formatFinding } from '../../src/validate/report.js';
import { readRepository } from '../../src/repository/read.js';

const FIXTURE = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/validate/dumb_stub/models');
const BASE_CONFIG = fs.readFileSync(path.join(FIXTURE, 'dumb_stub/config.pbtxt'), 'utf8');
const BASE_MODEL = fs.readFileSync(path.join(FIXTURE, 'dumb_stub/1/model.py'), 'utf8');

interface Case {
  name: string;
  /** Replacements in dumb_stub/config.pbtxt, each [text that occurs exactly once, its replacement]. */
  edit?: [string, string][];
  /** Replacements in dumb_stub/1/model.py. */
  editModel?: [string, string][];
  /** Files to write (repository-relative path -> content) or delete (null); a path ending in / is a folder. */
  files?: Record<string, string | null>;
  /** What validate's flags and Python's compile say (--disable-auto-complete-config, --triton-version, SyntaxErrors). */
  options?: CheckOptions;
  expected: string[];
}

const replaceOnce = (text: string, edits: [string, string][], what: string) =>
  edits.reduce((current, [from, to]) => {
    const count = current.split(from).length - 1;
    if (count !== 1) throw new Error(`${what}: ${JSON.stringify(from)} occurs ${count} times`);
    return current.replace(from, () => to);
  }, text);

const roots: string[] = [];
afterAll(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

function findingsOf(testCase: Case): string[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-validate-'));
  roots.push(root);
  fs.cpSync(FIXTURE, root, { recursive: true });
  fs.writeFileSync(path.join(root, 'dumb_stub/config.pbtxt'), replaceOnce(BASE_CONFIG, testCase.edit ?? [], 'config'));
  fs.writeFileSync(path.join(root, 'dumb_stub/1/model.py'), replaceOnce(BASE_MODEL, testCase.editModel ?? [], 'model.py'));
  for (const [relative, content] of Object.entries(testCase.files ?? {})) {
    const target = path.join(root, relative);
    if (content === null) fs.rmSync(target, { recursive: true, force: true });
    else if (relative.endsWith('/')) fs.mkdirSync(target, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
  }
  const { findings } = checkRepository(readRepository(root, { deep: true }), undefined, testCase.options);
  return findings.map((f) => formatFinding(f, findingFile(f, root, root)));
}

const E = (where: string, message: string) => `dumb_stub/${where}: error: ${message}`;
const W = (where: string, message: string) => `dumb_stub/${where}: warning: ${message}`;

/** A python model for another folder of the repository: tensors IN -> OUT. */
const otherModel = (name: string, extra = '') => ({
  [`${name}/config.pbtxt`]: `name: "${name}"\nbackend: "python"\n${extra}input [ { name: "IN" data_type: TYPE_STRING dims: [ 1 ] } ]\noutput [ { name: "OUT" data_type: TYPE_UINT8 dims: [ -1, -1, 3 ] } ]\n`,
  [`${name}/1/model.py`]: 'class TritonPythonModel:\n    def execute(self, requests):\n        return []\n',
});

const ENSEMBLE = (steps: string, extra = '') => ({
  ...otherModel('step_a'),
  'pipeline/config.pbtxt': `name: "pipeline"\nplatform: "ensemble"\n${extra}input [ { name: "TEXT" data_type: TYPE_STRING dims: [ 1 ] } ]\noutput [ { name: "PICTURE" data_type: TYPE_UINT8 dims: [ -1, -1, 3 ] } ]\nensemble_scheduling {\n${steps}}\n`,
  'pipeline/1/': '',
});
const STEP = (model: string, input: string, output: string) => `  step { model_name: "${model}" ${input} ${output} }\n`;

const CASES: Case[] = [
  // Syntax, unknown fields, value types: protobuf's own messages, parsing stops the other rules.
  { name: 'missing colon', edit: [['max_batch_size: 0', 'max_batch_size 0']], expected: [E('config.pbtxt:3:16', 'Expected ":", found "0".')] },
  { name: 'unknown field', edit: [['max_batch_size: 0', 'max_batchsize: 0']], expected: [E('config.pbtxt:3:1', 'Message type "inference.ModelConfig" has no field named "max_batchsize".')] },
  { name: 'quoted enum', edit: [['TYPE_STRING', '"TYPE_STRING"']], expected: [E('config.pbtxt:8:16', 'Expected integer or identifier, got: "TYPE_STRING"')] },
  { name: 'unknown data type', edit: [['TYPE_UINT8', 'TYPE_FP33']], expected: [E('config.pbtxt:16:16', 'unknown data type TYPE_FP33')] },
  { name: 'float for an integer', edit: [['max_batch_size: 0', 'max_batch_size: 1.5']], expected: [E('config.pbtxt:3:17', 'Expected integer, got: 1.5')] },
  { name: 'string for an integer', edit: [['count: 1', 'count: "1"']], expected: [E('config.pbtxt:23:12', 'Expected integer, got: "1"')] },
  { name: 'field given twice', edit: [['backend: "python"', 'backend: "python"\nbackend: "python"']], expected: [E('config.pbtxt:3:1', 'Non-repeated field "backend" is specified multiple times.')] },
  { name: 'two scheduling choices', edit: [['max_batch_size: 0', 'max_batch_size: 0\ndynamic_batching { }\nsequence_batching { }']], expected: [E('config.pbtxt:5:1', 'Field "sequence_batching" is specified along with field "dynamic_batching", another member of oneof "scheduling_choice".')] },
  { name: 'list on a singular field', edit: [['max_batch_size: 0', 'max_batch_size: [ 0 ]']], expected: [E('config.pbtxt:3:17', 'Expected integer, got: [')] },

  // Name and folder.
  {
    name: 'name differs from the folder',
    edit: [['name: "dumb_stub"', 'name: "dumb-stub"']],
    expected: [E('config.pbtxt:1:7', "unexpected directory name 'dumb_stub' for model 'dumb-stub', directory name must equal model name")],
  },

  // Backend and platform.
  {
    name: 'no backend, inferred from model.py',
    edit: [['backend: "python"\n', '']],
    expected: [W('config.pbtxt:1:1', `no 'backend' or 'platform': Triton infers backend 'python' from 1/model.py; write backend: "python" to say so`)],
  },
  {
    name: 'no backend and nothing to infer it from',
    edit: [['backend: "python"\n', '']],
    files: { 'dumb_stub/1/model.py': null, 'dumb_stub/1/main.py': BASE_MODEL },
    expected: [
      E(
        'config.pbtxt:1:1',
        "must specify 'platform' or 'backend': Invalid model name: Could not determine backend for model 'dumb_stub' with no backend in model configuration. Expected model name of the form 'model.<backend_name>'.",
      ),
    ],
  },
  {
    name: 'platform and backend that do not match',
    edit: [['backend: "python"', 'backend: "onnxruntime"\nplatform: "tensorrt_plan"']],
    expected: [E('1', 'the onnxruntime backend looks for dumb_stub/1/model.onnx, which does not exist'), E('config.pbtxt:3:11', "unexpected 'platform' and 'backend' pair, got:tensorrt_plan, onnxruntime")],
  },
  {
    name: 'unknown platform without a backend',
    edit: [['backend: "python"', 'platform: "onnx"']],
    expected: [E('config.pbtxt:2:11', "unexpected platform type 'onnx' (known platforms: tensorrt_plan, onnxruntime_onnx, pytorch_libtorch, tensorflow_graphdef, tensorflow_savedmodel, ensemble; or give a backend)")],
  },
  {
    name: 'ensemble platform with a backend',
    edit: [['backend: "python"', 'backend: "python"\nplatform: "ensemble"']],
    expected: [
      E('config.pbtxt:2:10', "Ensemble model 'dumb_stub' must have platform type 'ensemble' and empty backend type"),
      E('config.pbtxt:3:11', 'ensemble scheduling must be set for ensemble dumb_stub whose platform is ensemble'),
    ],
  },

  // max_batch_size, dims, data types, the batch dimension.
  { name: 'negative max_batch_size', edit: [['max_batch_size: 0', 'max_batch_size: -1']], expected: [E('config.pbtxt:3:17', "'max_batch_size' must be non-negative value (got -1)")] },
  { name: 'zero dimension', edit: [['dims: [ 1 ]', 'dims: [ 0 ]']], expected: [E('config.pbtxt:9:13', "model input 'prompt' dimension must be integer >= 1, or -1 to indicate a variable-size dimension (got 0)")] },
  { name: 'dimension below -1', edit: [['dims: [ -1, -1, 3 ]', 'dims: [ -1, -2, 3 ]']], expected: [E('config.pbtxt:17:17', "model output 'image' dimension must be integer >= 1, or -1 to indicate a variable-size dimension (got -2)")] },
  { name: 'empty dims', edit: [['dims: [ 1 ]', 'dims: [ ]']], expected: [E('config.pbtxt:9:5', "model input 'prompt' must specify 'dims' (Triton has no scalar tensors: use dims: [ 1 ])")] },
  { name: 'no dims', edit: [['    dims: [ 1 ]\n', '']], expected: [E('config.pbtxt:6:3', "model input 'prompt' must specify 'dims' (Triton has no scalar tensors: use dims: [ 1 ])")] },
  { name: 'no data_type', edit: [['    data_type: TYPE_STRING\n', '']], expected: [E('config.pbtxt:6:3', "model input 'prompt' must specify 'data_type'")] },
  { name: 'TYPE_INVALID', edit: [['TYPE_STRING', 'TYPE_INVALID']], expected: [E('config.pbtxt:8:16', "model input 'prompt' must specify 'data_type'")] },
  { name: 'tensor without a name', edit: [['    name: "image"\n', '']], expected: [E('config.pbtxt:14:3', "model output must specify 'name'")] },
  {
    name: 'batch dimension written into dims',
    edit: [
      ['max_batch_size: 0', 'max_batch_size: 8'],
      ['dims: [ 1 ]', 'dims: [ -1, 1 ]'],
      ['dims: [ -1, -1, 3 ]', 'dims: [ -1, -1, -1, 3 ]'],
    ],
    expected: [
      W(
        'config.pbtxt:3:17',
        "max_batch_size is 8, so the batch dimension is implicit and never listed in dims; every tensor's dims start with -1 (e.g. 'prompt' [-1, 1] is shape [batch, -1, 1]): drop the leading -1 if it meant the batch",
      ),
    ],
  },
  { name: 'NCHW format without 3 dims', edit: [['data_type: TYPE_STRING', 'data_type: TYPE_STRING\n    format: FORMAT_NCHW']], expected: [E('config.pbtxt:9:13', "model input 'prompt': model input NHWC/NCHW require 3 dims (got 1)")] },
  { name: 'shape tensor outside TensorRT', edit: [['dims: [ 1 ]', 'dims: [ 1 ]\n    is_shape_tensor: true']], expected: [E('config.pbtxt:10:22', "model input 'prompt': shape tensors are only supported for TensorRT platform")] },

  // Duplicate tensor names.
  {
    name: 'an output named like an input',
    edit: [['name: "image"', 'name: "prompt"']],
    editModel: [['pb_utils.Tensor("image", image)', 'pb_utils.Tensor("prompt", image)'], ['get_output_config_by_name(config, "image")', 'get_output_config_by_name(config, "prompt")']],
    expected: [W('config.pbtxt:15:11', "'prompt' is both an input (line 7) and an output: Triton loads it, but one name then means two tensors, in metadata and in model.py; give them different names")],
  },
  {
    name: 'two inputs with one name',
    edit: [['    dims: [ 1 ]\n  }\n]', '    dims: [ 1 ]\n  },\n  { name: "prompt" data_type: TYPE_STRING dims: [ 1 ] }\n]']],
    expected: [W('config.pbtxt:11:11', "duplicate input name 'prompt' (also at line 7): Triton loads the model but counts both as required, and a request cannot send one name twice, so every request fails")],
  },

  // Reshape.
  {
    name: 'reshape with another element count',
    edit: [['dims: [ 1 ]', 'dims: [ 1 ]\n    reshape { shape: [ 2 ] }']],
    expected: [E('config.pbtxt:10:13', "model input 'prompt' has different size for dims and reshape (dims [1], reshape [2])")],
  },
  {
    name: 'empty reshape without batching',
    edit: [['dims: [ 1 ]', 'dims: [ 1 ]\n    reshape { shape: [ ] }']],
    expected: [E('config.pbtxt:10:13', "model input 'prompt' cannot have empty reshape for non-batching model as scalar tensors are not supported")],
  },
  {
    name: 'empty reshape of more than one element',
    edit: [
      ['max_batch_size: 0', 'max_batch_size: 4'],
      ['dims: [ 1 ]', 'dims: [ 2 ]\n    reshape { shape: [ ] }'],
    ],
    expected: [E('config.pbtxt:10:13', "model input 'prompt' has different size for dims and reshape (dims [2], reshape [])")],
  },
  // int64 dims, exactly: a number would round both to 9007199254740992 and see no difference.
  {
    name: 'reshape differing only beyond 2^53',
    edit: [['dims: [ 1 ]', 'dims: [ 9007199254740993 ]\n    reshape { shape: [ 9007199254740992 ] }']],
    expected: [E('config.pbtxt:10:13', "model input 'prompt' has different size for dims and reshape (dims [9007199254740993], reshape [9007199254740992])")],
  },
  { name: "dims up to int64's maximum", edit: [['dims: [ 1 ]', 'dims: [ 9223372036854775807 ]\n    reshape { shape: [ 9223372036854775807 ] }']], expected: [] },
  {
    name: 'a negative int64 dim, shown as written',
    edit: [['dims: [ 1 ]', 'dims: [ -9223372036854775807 ]']],
    expected: [E('config.pbtxt:9:13', "model input 'prompt' dimension must be integer >= 1, or -1 to indicate a variable-size dimension (got -9223372036854775807)")],
  },
  {
    name: 'zero in a reshape',
    edit: [['dims: [ -1, -1, 3 ]', 'dims: [ -1, -1, 3 ]\n    reshape { shape: [ -1, 0 ] }']],
    expected: [E('config.pbtxt:18:28', "model output 'image' reshape dimensions must be integer >= 1, or -1 to indicate a variable-size dimension (got 0)")],
  },
  {
    name: 'variable dimensions that do not line up',
    edit: [['dims: [ -1, -1, 3 ]', 'dims: [ -1, -1, 3 ]\n    reshape { shape: [ -1, 3 ] }']],
    expected: [E('config.pbtxt:18:13', "model output 'image' has different number of variable-size dimensions for dims and reshape (dims [-1, -1, 3], reshape [-1, 3])")],
  },
  {
    name: 'variable dimensions with other element counts between them',
    edit: [['dims: [ -1, -1, 3 ]', 'dims: [ -1, -1, 3 ]\n    reshape { shape: [ -1, 3, -1 ] }']],
    expected: [E('config.pbtxt:18:13', "model output 'image' has different size for dims and reshape (dims [-1, -1, 3], reshape [-1, 3, -1])")],
  },

  // Dynamic batching.
  {
    name: 'dynamic batching without a batch dimension',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\ndynamic_batching { }']],
    expected: [W('config.pbtxt:4:1', 'dynamic_batching needs max_batch_size > 0: with max_batch_size 0 there is no batch dimension and Triton never batches requests (set max_batch_size, or remove dynamic_batching)')],
  },
  {
    name: 'preferred batch size above max_batch_size',
    edit: [['max_batch_size: 0', 'max_batch_size: 8\ndynamic_batching { preferred_batch_size: [ 4, 16 ] }']],
    expected: [E('config.pbtxt:4:47', 'dynamic batching preferred size must be <= max batch size (got 16, max_batch_size is 8)')],
  },
  {
    name: 'preferred batch size 0',
    edit: [['max_batch_size: 0', 'max_batch_size: 8\ndynamic_batching { preferred_batch_size: 0 }']],
    expected: [E('config.pbtxt:4:42', 'dynamic batching preferred size must be positive (got 0)')],
  },
  {
    name: 'default priority level out of range',
    edit: [['max_batch_size: 0', 'max_batch_size: 8\ndynamic_batching { priority_levels: 2 default_priority_level: 3 }']],
    expected: [E('config.pbtxt:4:63', 'default priority level must be in range [1, 2] (got 3)')],
  },
  {
    name: 'no default priority level',
    edit: [['max_batch_size: 0', 'max_batch_size: 8\ndynamic_batching { priority_levels: 2 }']],
    expected: [E('config.pbtxt:4:37', 'default priority level must be in range [1, 2] (got 0)')],
  },
  {
    name: 'queue policy for a level that does not exist',
    edit: [['max_batch_size: 0', 'max_batch_size: 8\ndynamic_batching {\n  priority_levels: 2\n  default_priority_level: 1\n  priority_queue_policy { key: 5 value { max_queue_size: 4 } }\n}']],
    expected: [E('config.pbtxt:7:25', 'priority queue policy must have priority level in range [1, 2] (got 5)')],
  },
  {
    name: 'priority settings without priority levels',
    edit: [['max_batch_size: 0', 'max_batch_size: 8\ndynamic_batching { default_priority_level: 1 }']],
    expected: [W('config.pbtxt:4:44', 'default_priority_level and priority_queue_policy are ignored without priority_levels')],
  },
  {
    name: 'preserve_ordering with two priority levels',
    edit: [['max_batch_size: 0', 'max_batch_size: 8\ndynamic_batching { preserve_ordering: true priority_levels: 2 default_priority_level: 1 }']],
    expected: [E('config.pbtxt:4:39', "Only one priority level is allowed when 'preserve_ordering' is true (priority_levels is 2)")],
  },
  {
    name: 'preserve_ordering with a DELAY queue policy',
    edit: [['max_batch_size: 0', 'max_batch_size: 8\ndynamic_batching {\n  preserve_ordering: true\n  default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 100 }\n}']],
    expected: [E('config.pbtxt:5:22', "Queue policy can not have DELAY as timeout action when 'preserve_ordering' is true")],
  },

  // Sequence batching.
  {
    name: 'two START controls',
    edit: [
      [
        'max_batch_size: 0',
        'max_batch_size: 0\nsequence_batching {\n  control_input { name: "START" control { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } }\n  control_input { name: "BEGIN" control { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } }\n}',
      ],
    ],
    expected: [E('config.pbtxt:6:49', "sequence batching specifies multiple CONTROL_SEQUENCE_START tensors ('START' and 'BEGIN')")],
  },
  {
    name: 'a control without a value form',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nsequence_batching {\n  control_input { name: "READY" control { kind: CONTROL_SEQUENCE_READY } }\n}']],
    expected: [E('config.pbtxt:5:49', "sequence batching must specify either 'int32_false_true', 'fp32_false_true' or 'bool_false_true' for CONTROL_SEQUENCE_READY")],
  },
  {
    name: 'a control with two value forms',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nsequence_batching {\n  control_input { name: "END" control { kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] bool_false_true: [ false, true ] } }\n}']],
    expected: [E('config.pbtxt:5:47', "sequence batching specifies more than one from 'int32_false_true', 'fp32_false_true' and 'bool_false_true' for CONTROL_SEQUENCE_END")],
  },
  {
    name: 'a control value form without two entries',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nsequence_batching {\n  control_input { name: "END" control { kind: CONTROL_SEQUENCE_END fp32_false_true: [ 1 ] } }\n}']],
    expected: [E('config.pbtxt:5:87', "sequence batching control 'fp32_false_true' must have exactly 2 entries for CONTROL_SEQUENCE_END (got 1)")],
  },
  {
    name: 'CORRID with a value form',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nsequence_batching {\n  control_input { name: "CORRID" control { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 int32_false_true: [ 0, 1 ] } }\n}']],
    expected: [E('config.pbtxt:5:50', "sequence batching must not specify either 'int32_false_true', 'fp32_false_true' or 'bool_false_true' for CONTROL_SEQUENCE_CORRID")],
  },
  {
    name: 'CORRID of a float type',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nsequence_batching {\n  control_input { name: "CORRID" control { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_FP32 } }\n}']],
    expected: [E('config.pbtxt:5:85', 'unexpected data type for control CONTROL_SEQUENCE_CORRID (TYPE_FP32). Allowed data types are TYPE_UINT64, TYPE_INT64, TYPE_UINT32, TYPE_INT32 and TYPE_STRING')],
  },
  {
    name: 'one control tensor listed twice',
    edit: [
      [
        'max_batch_size: 0',
        'max_batch_size: 0\nsequence_batching {\n  control_input { name: "CTRL" control { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } }\n  control_input { name: "CTRL" control { kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] } }\n}',
      ],
    ],
    expected: [E('config.pbtxt:6:25', "sequence batching control tensor 'CTRL' is specified for multiple control kinds")],
  },
  {
    name: 'a control tensor without a name',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nsequence_batching {\n  control_input { control { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } }\n}']],
    expected: [E('config.pbtxt:5:17', 'sequence batching control tensor must have a name')],
  },
  {
    name: 'minimum slot utilization above 1',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nsequence_batching { direct { minimum_slot_utilization: 1.5 } }']],
    expected: [E('config.pbtxt:4:56', 'sequence batching minimum slot utilization must be in range (0.0, 1.0] (got 1.5)')],
  },
  {
    name: 'oldest-first preferred size above max_batch_size',
    edit: [['max_batch_size: 0', 'max_batch_size: 2\nsequence_batching { oldest { max_candidate_sequences: 4 preferred_batch_size: 3 } }']],
    expected: [E('config.pbtxt:4:79', 'sequence batching preferred batch size must be <= max batch size (got 3, max_batch_size is 2)')],
  },
  {
    name: 'response cache with sequence batching',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nsequence_batching { }\nresponse_cache { enable: true }']],
    expected: [E('config.pbtxt:5:26', 'Response Cache does not currently support models with sequence batching scheduler. Please disable the response cache.')],
  },
  {
    name: 'state without names',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nsequence_batching { state { data_type: TYPE_FP32 dims: [ 1 ] } }']],
    expected: [E('config.pbtxt:4:27', "sequence batching state must specify 'input_name'"), E('config.pbtxt:4:27', "sequence batching state must specify 'output_name'")],
  },

  // Batch inputs and outputs.
  {
    name: 'batch input with two sources',
    edit: [['max_batch_size: 0', 'max_batch_size: 4\nbatch_input { kind: BATCH_ELEMENT_COUNT target_name: "N" data_type: TYPE_INT32 source_input: [ "prompt", "prompt" ] }']],
    expected: [E('config.pbtxt:4:106', "batch input kind 'BATCH_ELEMENT_COUNT' expects 1 source input, got 2")],
  },
  {
    name: 'batch input from an unknown input',
    edit: [['max_batch_size: 0', 'max_batch_size: 4\nbatch_input { kind: BATCH_ITEM_SHAPE target_name: "N" data_type: TYPE_INT32 source_input: "promt" }']],
    expected: [E('config.pbtxt:4:91', "unknown source input name 'promt' (inputs: prompt)")],
  },
  {
    name: 'batch input of type FP16',
    edit: [['max_batch_size: 0', 'max_batch_size: 4\nbatch_input { kind: BATCH_ELEMENT_COUNT target_name: "N" data_type: TYPE_FP16 source_input: "prompt" }']],
    expected: [E('config.pbtxt:4:69', 'batch input data type must be TYPE_INT32 or TYPE_FP32 (got TYPE_FP16)')],
  },
  {
    name: 'batch output to an unknown output',
    edit: [['max_batch_size: 0', 'max_batch_size: 4\nbatch_output { target_name: "picture" kind: BATCH_SCATTER_WITH_INPUT_SHAPE source_input: "prompt" }']],
    expected: [E('config.pbtxt:4:29', "unknown target output name 'picture' (outputs: image)")],
  },
  {
    name: 'batch output naming one target twice',
    edit: [['max_batch_size: 0', 'max_batch_size: 4\nbatch_output { target_name: [ "image", "image" ] source_input: "prompt" }']],
    expected: [E('config.pbtxt:4:40', "target output name 'image' can only be specified once")],
  },

  // Instance groups.
  { name: 'GPUs on a KIND_CPU group', edit: [['kind: KIND_CPU', 'kind: KIND_CPU\n    gpus: [ 0 ]']], expected: [E('config.pbtxt:25:13', 'instance group dumb_stub_0 of model dumb_stub has kind KIND_CPU but specifies one or more GPUs')] },
  { name: 'GPUs on a KIND_MODEL group', edit: [['kind: KIND_CPU', 'kind: KIND_MODEL\n    gpus: [ 1 ]']], expected: [E('config.pbtxt:25:13', 'instance group dumb_stub_0 of model dumb_stub has kind KIND_MODEL but specifies one or more GPUs')] },
  { name: 'a negative GPU id', edit: [['kind: KIND_CPU', 'kind: KIND_GPU\n    gpus: [ 0, -1 ]']], expected: [E('config.pbtxt:25:16', 'instance group dumb_stub_0 of model dumb_stub specifies invalid or unsupported gpu id -1 (GPU ids are >= 0)')] },
  { name: 'count 0', edit: [['count: 1', 'count: 0']], expected: [W('config.pbtxt:23:12', "instance group dumb_stub_0 of model dumb_stub has count 0: a count below 1 means Triton's default (1 instance), write count: 1 or more")] },
  {
    name: 'a TensorRT profile on a python model',
    edit: [['kind: KIND_CPU', 'kind: KIND_CPU\n    name: "cpu"\n    profile: "0"']],
    expected: [E('config.pbtxt:26:14', 'instance group cpu of model dumb_stub and platform (none) specifies profile field which is only supported for TensorRT models')],
  },

  // Version policy and version folders.
  {
    name: 'latest with no versions',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nversion_policy { latest { num_versions: 0 } }']],
    expected: [E('config.pbtxt:4:41', "at least one version must be available under the version policy of model 'dumb_stub': latest { num_versions: 0 } selects none of the versions 1")],
  },
  {
    name: 'specific versions that are missing',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nversion_policy { specific { versions: [ 1, 3 ] } }']],
    expected: [W('config.pbtxt:4:44', "version 3 is specified for model 'dumb_stub', but the version directory is not present")],
  },
  {
    name: 'specific versions none of which exist',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nversion_policy { specific { versions: [ 2 ] } }']],
    expected: [
      E('config.pbtxt:4:27', "at least one version must be available under the version policy of model 'dumb_stub': the versions listed are not among the version folders (1)"),
      W('config.pbtxt:4:41', "version 2 is specified for model 'dumb_stub', but the version directory is not present"),
    ],
  },
  {
    name: 'no version folder',
    files: { 'dumb_stub/1': null },
    expected: [E('config.pbtxt', "at least one version must be available under the version policy of model 'dumb_stub': the model folder has no version folder (create dumb_stub/1/ for version 1)")],
  },
  { name: 'a version folder with a leading zero', files: { 'dumb_stub/02/model.py': BASE_MODEL }, expected: [W('02', "Triton will ignore version directory '02' which contains leading zeros in its directory name")] },
  {
    name: 'a version folder that is not a number',
    files: { 'dumb_stub/v2/model.py': BASE_MODEL },
    expected: [W('v2', "Triton will ignore version directory 'v2' which fails to convert to integral number (version folders are named 1, 2, ...)")],
  },
  {
    name: 'a version folder with trailing characters',
    files: { 'dumb_stub/2_old/model.py': BASE_MODEL },
    expected: [
      W('2_old', "version directory '2_old' is read by Triton as version 2 (it converts the leading digits): name it 2"),
      E('2_old', "model.py does not exist in the model repository path: dumb_stub/2/model.py (Triton reads folder '2_old' as version 2 and looks for its files in 2/: name the folder 2)"),
    ],
  },
  { name: 'a version folder without model.py', files: { 'dumb_stub/2/': '' }, expected: [E('2', 'model.py does not exist in the model repository path: dumb_stub/2/model.py')] },
  {
    name: 'an older version without model.py',
    files: { 'dumb_stub/2/model.py': BASE_MODEL, 'dumb_stub/1/model.py': null },
    expected: [W('1', 'model.py does not exist in the model repository path: dumb_stub/1/model.py (version 1 is not loaded under the version policy, but would fail if it were)')],
  },
  {
    name: 'default_model_filename that is not there',
    edit: [['backend: "python"', 'backend: "python"\ndefault_model_filename: "main.py"']],
    expected: [E('1', 'main.py does not exist in the model repository path: dumb_stub/1/main.py')],
  },

  // Parameters.
  { name: 'a parameter without a value', edit: [['max_batch_size: 0', 'max_batch_size: 0\nparameters { key: "seed" }']], expected: [W('config.pbtxt:4:12', `parameter 'seed' has no value { string_value: "..." }: model.py reads it as ""`)] },
  {
    name: 'a parameter set twice',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nparameters { key: "seed" value { string_value: "1" } }\nparameters { key: "seed" value { string_value: "2" } }']],
    expected: [W('config.pbtxt:5:12', "parameter 'seed' is set again (first at line 4): the last value wins")],
  },
  { name: 'a parameter without a key', edit: [['max_batch_size: 0', 'max_batch_size: 0\nparameters { value { string_value: "1" } }']], expected: [W('config.pbtxt:4:12', 'parameter without a key (write key: "name")')] },
  {
    name: 'an execution environment that is not there',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nparameters { key: "EXECUTION_ENV_PATH" value { string_value: "$$TRITON_MODEL_DIRECTORY/env.tar.gz" } }']],
    expected: [E('config.pbtxt:4:62', `EXECUTION_ENV_PATH: 'env.tar.gz' does not exist in the model folder, and the Python backend fails to load the model without it ("Failed to get the canonical path")`)],
  },
  {
    name: 'assets_dir "../../assets", as projects made before models held their assets have it',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nparameters { key: "assets_dir" value { string_value: "../../assets" } }']],
    expected: [
      W(
        'config.pbtxt:4:54',
        `parameter 'assets_dir' is "../../assets", a path outside the model folder: a model folder served alone (copied by Triton from s3://, gs:// or a KServe storageUri, or on a volume holding only the models) cannot reach it; move what it names into the model folder, e.g. dumb_stub/1/assets, and set the parameter to "1/assets"`,
      ),
    ],
  },
  {
    name: 'an execution environment beside the model folder',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nparameters { key: "EXECUTION_ENV_PATH" value { string_value: "$$TRITON_MODEL_DIRECTORY/../envs/env.tar.gz" } }']],
    files: { 'dumb_stub/2/model.py': BASE_MODEL },
    expected: [
      W(
        'config.pbtxt:4:62',
        `parameter 'EXECUTION_ENV_PATH' is "$$TRITON_MODEL_DIRECTORY/../envs/env.tar.gz", a path outside the model folder: a model folder served alone (copied by Triton from s3://, gs:// or a KServe storageUri, or on a volume holding only the models) cannot reach it; move what it names into the model folder, e.g. dumb_stub/2/env.tar.gz, and set the parameter to "$$TRITON_MODEL_DIRECTORY/2/env.tar.gz"`,
      ),
    ],
  },
  {
    name: 'paths that stay in the model folder, absolute paths and URLs are left alone',
    edit: [
      [
        'max_batch_size: 0',
        ['max_batch_size: 0', ...Object.entries({ a: '1/assets', b: 'assets/../labels.txt', c: '/mnt/weights', d: 's3://bucket/weights', e: 'a..b', f: '..hidden' }).map(([k, v]) => `parameters { key: "${k}" value { string_value: "${v}" } }`)].join('\n'),
      ],
    ],
    expected: [],
  },
  {
    name: 'FORCE_CPU_ONLY_INPUT_TENSORS that is not yes or no',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nparameters { key: "FORCE_CPU_ONLY_INPUT_TENSORS" value { string_value: "false" } }']],
    expected: [W('config.pbtxt:4:72', 'FORCE_CPU_ONLY_INPUT_TENSORS is "false": the Python backend understands "yes" (default) or "no"')],
  },

  // Other fields Triton checks.
  {
    name: 'a label file that is not there',
    edit: [['dims: [ -1, -1, 3 ]', 'dims: [ -1, -1, 3 ]\n    label_filename: "labels.txt"']],
    expected: [E('config.pbtxt:18:21', "label file 'labels.txt' for output 'image' does not exist in the model folder (Triton reads it when it loads the model)")],
  },
  {
    name: 'a label file outside the model folder',
    edit: [['dims: [ -1, -1, 3 ]', 'dims: [ -1, -1, 3 ]\n    label_filename: "../labels.txt"']],
    expected: [E('config.pbtxt:18:21', "label file path '../labels.txt' for output 'image' is outside model directory")],
  },
  {
    name: 'response cache on a decoupled model',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_transaction_policy { decoupled: true }\nresponse_cache { enable: true }']],
    expected: [E('config.pbtxt:5:26', "Response Cache does not currently support models with 'decoupled' transaction policy. Please disable the response cache.")],
  },
  {
    name: 'a metric control without its identifier',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_metrics { metric_control { histogram_options { buckets: [ 1, 2 ] } } }']],
    expected: [E('config.pbtxt:4:32', "metric control must specify 'metric_identifier'")],
  },

  // Ensembles.
  {
    name: 'ensemble_scheduling on a python model',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nensemble_scheduling { step { model_name: "x" } }']],
    expected: [E('config.pbtxt:4:1', "ensemble scheduling cannot be set for model 'dumb_stub' whose platform is not ensemble (set platform: \"ensemble\" and no backend)")],
  },
  { name: 'a valid ensemble (no finding)', files: ENSEMBLE(STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }')), expected: [] },
  {
    name: 'an ensemble step without an input map',
    files: ENSEMBLE(STEP('step_a', '', 'output_map { key: "OUT" value: "PICTURE" }')),
    expected: ["pipeline/config.pbtxt:6:8: error: must specify 'input_map' in step 0 of ensemble 'pipeline'"],
  },
  {
    name: 'an ensemble output no step maps',
    files: ENSEMBLE(STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "OTHER" }')),
    expected: ["pipeline/config.pbtxt:4:18: error: ensemble output 'PICTURE' for ensemble 'pipeline' is not used"],
  },
  {
    name: 'an ensemble output whose step reads a tensor nothing writes',
    files: ENSEMBLE(STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "MIDDLE" }') + STEP('step_a', 'input_map { key: "IN" value: "MISSING" }', 'output_map { key: "OUT" value: "PICTURE" }')),
    expected: ["pipeline/config.pbtxt:4:18: error: output 'PICTURE' for ensemble 'pipeline' is not written: at least one of its depending tensors, 'MISSING', is not connected"],
  },
  {
    name: 'an ensemble tensor nothing reads',
    files: ENSEMBLE(STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }') + STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "SPARE" }')),
    expected: ["pipeline/config.pbtxt:7:80: error: ensemble tensor 'SPARE' is unused in ensemble 'pipeline'"],
  },
  {
    name: 'an ensemble input no step reads',
    files: ENSEMBLE(STEP('step_a', 'input_map { key: "IN" value: "OTHER" }', 'output_map { key: "OUT" value: "PICTURE" }')),
    expected: ["pipeline/config.pbtxt:3:17: error: ensemble input 'TEXT' for ensemble 'pipeline' is not used"],
  },
  {
    name: 'an ensemble tensor written twice',
    files: ENSEMBLE(STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }') + STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }')),
    expected: ["pipeline/config.pbtxt:7:80: error: ensemble tensor 'PICTURE' can appear in an output map only once for ensemble 'pipeline' step 1"],
  },
  {
    name: 'an ensemble step calling a model that is not there',
    files: ENSEMBLE(STEP('step_b', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }')),
    expected: [
      'pipeline/config.pbtxt:6:8: error: ensemble pipeline contains models that are not available or ambiguous: step_b (step 0; not in this repository, so the ensemble loads only if another --model-repository provides it)',
    ],
  },
  {
    name: 'an ensemble step mapping an input its model does not have',
    files: ENSEMBLE(STEP('step_a', 'input_map { key: "INPUT" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }')),
    expected: [
      'pipeline/config.pbtxt:6:8: error: in ensemble pipeline, input IN in model step_a is not mapped to any ensemble tensors',
      "pipeline/config.pbtxt:6:41: error: in ensemble pipeline, ensemble tensor TEXT is mapping to non-existing input INPUT in model step_a (inputs: 'IN')",
    ],
  },
  {
    name: 'an ensemble tensor of another type than the step model says',
    files: {
      ...ENSEMBLE(STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }')),
      'step_a/config.pbtxt': 'name: "step_a"\nbackend: "python"\ninput [ { name: "IN" data_type: TYPE_INT32 dims: [ 1 ] } ]\noutput [ { name: "OUT" data_type: TYPE_UINT8 dims: [ -1, -1, 3 ] } ]\n',
    },
    expected: ['pipeline/config.pbtxt:6:41: error: in ensemble pipeline, ensemble tensor TEXT: inconsistent data type: TYPE_STRING is inferred from model pipeline while TYPE_INT32 is inferred from model step_a'],
  },
  {
    name: 'an ensemble that batches more than its step model',
    files: { ...ENSEMBLE(STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }'), 'max_batch_size: 8\n'), ...otherModel('step_a', 'max_batch_size: 4\n') },
    expected: ['pipeline/config.pbtxt:7:8: error: ensemble pipeline allows maximum batch size 8, but it contains model step_a which only allows maximum batch size to be 4'],
  },
  {
    name: 'instance groups on an ensemble',
    files: ENSEMBLE(STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }'), 'instance_group [ { kind: KIND_CPU } ]\n'),
    expected: ["pipeline/config.pbtxt:3:1: error: instance group should not be specified for ensemble 'pipeline'"],
  },

  // The Python model file.
  { name: 'no TritonPythonModel class', editModel: [['class TritonPythonModel:', 'class Model:']], expected: [E('1/model.py', 'defines no class TritonPythonModel: the Python backend loads the class of that name from this file')] },
  {
    name: 'no execute method',
    editModel: [['    def execute(self, requests):', '    def run(self, requests):']],
    expected: [W('1/model.py:10:7', "class TritonPythonModel has no 'execute' method: Triton loads the model, and every request fails (\"... does not implement `execute` method\")")],
  },
  {
    name: 'an input name model.py reads that the config does not declare',
    editModel: [['get_input_tensor_by_name(request, "prompt")', 'get_input_tensor_by_name(request, "promt")']],
    expected: [W('1/model.py:18:65', `get_input_tensor_by_name(..., "promt"): no input 'promt' in config.pbtxt, so it returns None (inputs: 'prompt')`)],
  },
  {
    name: 'an output name model.py writes that the config does not declare',
    editModel: [['pb_utils.Tensor("image", image)', 'pb_utils.Tensor("picture", image)']],
    expected: [W('1/model.py:24:89', `Tensor("picture", ...): no output 'picture' in config.pbtxt: the Python backend drops tensors that are not declared outputs (outputs: 'image')`)],
  },
  {
    name: 'reading the config of an output that is an input',
    editModel: [['get_output_config_by_name(config, "image")', 'get_output_config_by_name(config, "prompt")']],
    expected: [W('1/model.py:13:103', `get_output_config_by_name(..., "prompt"): no output 'prompt' in config.pbtxt ('prompt' is an input), so it returns None (outputs: 'image')`)],
  },
  {
    name: 'auto_complete_config that is not a staticmethod',
    editModel: [['    def initialize(self, args):', '    def auto_complete_config(config):\n        return config\n\n    def initialize(self, args):']],
    expected: [W('1/model.py:11:9', 'auto_complete_config should be a @staticmethod: the Python backend calls it on the class, before any instance exists')],
  },
  {
    name: 'tensors left to auto_complete_config',
    edit: [['max_batch_size: 0\n', ''], ['input [\n  {\n    name: "prompt"\n    data_type: TYPE_STRING\n    dims: [ 1 ]\n  }\n]\n', ''], ['output [\n  {\n    name: "image"\n    data_type: TYPE_UINT8\n    dims: [ -1, -1, 3 ]\n  }\n]\n', '']],
    editModel: [['    def initialize(self, args):', '    @staticmethod\n    def auto_complete_config(config):\n        return config\n\n    def initialize(self, args):']],
    expected: [W('config.pbtxt:1:1', "no 'input', 'output', 'max_batch_size' in config.pbtxt: left to auto_complete_config in 1/model.py (checked only when Triton loads the model)")],
  },
  {
    name: 'no outputs and no auto_complete_config',
    edit: [['output [\n  {\n    name: "image"\n    data_type: TYPE_UINT8\n    dims: [ -1, -1, 3 ]\n  }\n]\n', '']],
    editModel: [['pb_utils.Tensor("image", image)', 'image'], ['pb_utils.get_output_config_by_name(config, "image")["data_type"]', '"TYPE_UINT8"']],
    expected: [W('config.pbtxt:1:1', "no 'output' tensors: Triton loads the model, and every response it gives is empty (declare them in config.pbtxt, or have model.py define auto_complete_config to add them)")],
  },
  {
    name: 'an unterminated string in model.py',
    editModel: [['pb_utils.Logger.log_info("dumb_stub: unloaded")', 'pb_utils.Logger.log_info("dumb_stub: unloaded)']],
    expected: [W('1/model.py:28:34', 'cannot read the rest of this file (unterminated string); Python will refuse it too')],
  },

  // Folders.
  {
    name: 'a hidden folder in the repository',
    files: { '.ipynb_checkpoints/config.pbtxt': '' },
    expected: [`.ipynb_checkpoints: error: '.ipynb_checkpoints' is a folder of the model repository, so Triton tries to load it as a model and fails ("Could not determine backend for model '.ipynb_checkpoints'"): move it out of the repository`],
  },
  {
    name: 'no config.pbtxt',
    files: { 'dumb_stub/config.pbtxt': null },
    expected: ["dumb_stub: warning: no config.pbtxt: Triton builds the configuration (backend 'python' from 1/model.py; no inputs or outputs: model.py defines no auto_complete_config); write config.pbtxt to have it checked here"],
  },
  {
    name: 'no config.pbtxt with auto-complete disabled',
    files: { 'dumb_stub/config.pbtxt': null },
    options: { autoComplete: false },
    expected: ['dumb_stub: error: no config.pbtxt in dumb_stub/: with --disable-auto-complete-config Triton needs one'],
  },
  {
    name: 'no config.pbtxt and no model file to build one from',
    files: { 'dumb_stub/config.pbtxt': null, 'dumb_stub/1/model.py': null, 'dumb_stub/1/main.py': BASE_MODEL },
    expected: ['dumb_stub: error: no config.pbtxt in dumb_stub/, and Triton cannot build one: it recognises a model by its file in the first subfolder (1/ has no model.py or other model file)'],
  },
  {
    name: 'no config.pbtxt and an auto_complete_config',
    files: { 'dumb_stub/config.pbtxt': null },
    editModel: [['    def initialize(self, args):', '    @staticmethod\n    def auto_complete_config(config):\n        return config\n\n    def initialize(self, args):']],
    expected: ["dumb_stub: warning: no config.pbtxt: Triton builds the configuration (backend 'python' from 1/model.py; tensors from auto_complete_config in dumb_stub/1/model.py); write config.pbtxt to have it checked here"],
  },
  { name: 'a model named stats', files: otherModel('stats'), expected: ["stats/config.pbtxt:1:7: warning: a model named 'stats' cannot be reached over HTTP: /v2/models/stats is Triton's statistics endpoint"] },

  // What real Triton (2.51.0) loads although the config looks wrong: warnings, never errors.
  {
    name: 'an output declared twice',
    edit: [['    dims: [ -1, -1, 3 ]\n  }\n]', '    dims: [ -1, -1, 3 ]\n  },\n  { name: "image" data_type: TYPE_UINT8 dims: [ -1, -1, 3 ] }\n]']],
    expected: [W('config.pbtxt:19:11', "duplicate output name 'image' (also at line 15): Triton loads the model and lists the output twice in its metadata; remove one")],
  },
  {
    name: 'no inputs',
    edit: [['input [\n  {\n    name: "prompt"\n    data_type: TYPE_STRING\n    dims: [ 1 ]\n  }\n]\n', '']],
    editModel: [['get_input_tensor_by_name(request, "prompt")', 'get_input_tensor_by_name(request, "image")']],
    expected: [
      W('1/model.py:18:65', `get_input_tensor_by_name(..., "image"): no input 'image' in config.pbtxt ('image' is an output), so it returns None (inputs: none)`),
      W('config.pbtxt:1:1', "no 'input' tensors: Triton loads the model, and it takes no inputs (declare them in config.pbtxt, or have model.py define auto_complete_config to add them)"),
    ],
  },
  {
    name: 'a data type number that is no DataType',
    edit: [['data_type: TYPE_STRING', 'data_type: 99']],
    expected: [W('config.pbtxt:8:16', `model input 'prompt' has data type 99, which is not a DataType value: Triton loads the model and shows its datatype as "<invalid>", and no request can send it`)],
  },
  {
    name: 'invalid UTF-8 in a parameter key',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nparameters { key: "\\xff" value { string_value: "x" } }']],
    expected: [W('config.pbtxt:4:19', `String field "inference.ModelConfig.ParametersEntry.key" contains invalid UTF-8 data. Triton's protobuf logs it and reads the config on`)],
  },

  // Backends and their libraries.
  {
    name: 'a backend no image has',
    edit: [['backend: "python"', 'backend: "nosuch"']],
    expected: [
      E(
        'config.pbtxt:2:10',
        "unable to find backend library for backend 'nosuch': it is not a backend of the images of Triton 2.73.0 (26.09) (python, onnxruntime, pytorch, tensorrt, openvino, fil, dali, identity, repeat, square, vllm, tensorrtllm), and no libtriton_nosuch.so is in the model folder or a version folder",
      ),
    ],
  },
  { name: "a custom backend's library in the model folder", edit: [['backend: "python"', 'backend: "nosuch"']], files: { 'dumb_stub/libtriton_nosuch.so': 'x' }, expected: [] },
  {
    name: 'the tensorflow backend after it left the images',
    edit: [['backend: "python"', 'backend: "tensorflow"\nplatform: "tensorflow_graphdef"']],
    files: { 'dumb_stub/1/model.graphdef': 'x' },
    options: { release: '25.03' },
    expected: [
      E(
        'config.pbtxt:2:10',
        "unable to find backend library for backend 'tensorflow': it is not a backend of the images of Triton 2.56.0 (25.03) (the TensorFlow backend left the images in 25.03) (python, onnxruntime, pytorch, tensorrt, openvino, fil, dali, identity, repeat, square, vllm, tensorrtllm), and no libtriton_tensorflow.so is in the model folder or a version folder",
      ),
    ],
  },
  { name: 'a pytorch model without model.pt', edit: [['backend: "python"', 'backend: "pytorch"']], expected: [E('1', 'the pytorch backend looks for dumb_stub/1/model.pt, which does not exist')] },
  {
    name: 'runtime model.py on the python backend',
    edit: [['backend: "python"', 'backend: "python"\nruntime: "model.py"']],
    expected: [
      E(
        'config.pbtxt:3:10',
        "unable to find Python backend based backend library 'model.py' for model 'dumb_stub': runtime \"model.py\" means a Python-based backend, whose model.py Triton looks for in backends/python/, and the Python backend is not one (leave runtime out)",
      ),
    ],
  },
  {
    name: 'a runtime library that is nowhere',
    edit: [['backend: "python"', 'backend: "python"\nruntime: "libtriton_other.so"']],
    expected: [E('config.pbtxt:3:10', "unable to find backend library 'libtriton_other.so' for model 'dumb_stub': Triton looks for it in the version folder, the model folder and backends/python/ (leave runtime out to use libtriton_python.so)")],
  },

  // Version folders Triton cannot go on with.
  {
    name: 'only a negative version folder',
    files: { 'dumb_stub/1': null, 'dumb_stub/-1/model.py': BASE_MODEL },
    expected: [E('-1', "model.py does not exist in the model repository path: dumb_stub/18446744073709551615/model.py (Triton reads folder '-1' as version -1 and looks for its files in 18446744073709551615/, which 2.51.0 never finishes loading)")],
  },
  { name: 'a negative version folder the policy does not load', files: { 'dumb_stub/-1/model.py': BASE_MODEL }, expected: [] },
  {
    name: 'a version folder past int64',
    files: { 'dumb_stub/99999999999999999999/model.py': BASE_MODEL },
    expected: [E('99999999999999999999', "version directory '99999999999999999999' is past the range of a 64-bit version number: Triton aborts when it reads it (std::out_of_range from stoll), and the whole server stops")],
  },

  // The release Triton runs.
  {
    name: 'a field newer than the release',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_metrics { metric_control { metric_identifier { family: "f" } histogram_options { buckets: [ 1 ] } } }']],
    options: { release: '24.10' },
    expected: [E('config.pbtxt:4:1', 'Message type "inference.ModelConfig" has no field named "model_metrics" in Triton 2.51.0 (24.10): the field came in 24.11 (validate checks for --triton-version 24.10)')],
  },
  {
    name: 'a nested field newer than the release',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nsequence_batching { iterative_sequence: true }']],
    options: { release: '23.10' },
    expected: [E('config.pbtxt:4:21', 'Message type "inference.ModelSequenceBatching" has no field named "iterative_sequence" in Triton 2.39.0 (23.10): the field came in 23.11 (validate checks for --triton-version 23.10)')],
  },
  {
    name: 'an ensemble field newer than the release',
    files: ENSEMBLE(`  max_inflight_requests: 4\n${STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }')}`),
    options: { release: '25.10' },
    expected: ['pipeline/config.pbtxt:6:3: error: Message type "inference.ModelEnsembling" has no field named "max_inflight_requests" in Triton 2.62.0 (25.10): the field came in 25.11 (validate checks for --triton-version 25.10)'],
  },
  {
    name: 'BF16 before the Python backend reads it',
    edit: [['TYPE_UINT8', 'TYPE_BF16']],
    options: { release: '24.05' },
    expected: [W('config.pbtxt:15:11', `'image' is TYPE_BF16: the Python backend of Triton 2.46.0 (24.05) loads the model but fails every request that carries it ("TYPE_BF16 not currently supported"); BF16 needs 24.08 or later`)],
  },

  // model_warmup: the sample is a request Triton runs when it loads the model.
  {
    name: 'a warmup sample without a required input',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_warmup { name: "w" batch_size: 1 inputs { key: "other" value { data_type: TYPE_STRING dims: [ 1 ] zero_data: true } } }']],
    expected: [E('config.pbtxt:4:14', "warmup sample 'w' gives no data for the required input(s) 'prompt': Triton runs the warmup request when it loads the model, and it fails")],
  },
  {
    name: 'a warmup input without data',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_warmup { name: "w" batch_size: 1 inputs { key: "prompt" value { data_type: TYPE_STRING dims: [ 1 ] } } }']],
    expected: [E('config.pbtxt:4:47', "warmup sample 'w': warmup setting expects input 'prompt' to have input_data_type set (zero_data, random_data or input_data_file)")],
  },
  {
    name: 'a warmup input with a variable dimension',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_warmup { name: "w" batch_size: 1 inputs { key: "prompt" value { data_type: TYPE_STRING dims: [ -1 ] zero_data: true } } }']],
    expected: [E('config.pbtxt:4:47', "warmup sample 'w': warmup setting expects all variable-size dimensions are specified for input 'prompt'")],
  },
  {
    name: 'a warmup input of another type',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_warmup { name: "w" batch_size: 1 inputs { key: "prompt" value { data_type: TYPE_INT32 dims: [ 1 ] zero_data: true } } }']],
    expected: [E('config.pbtxt:4:47', "warmup sample 'w': input 'prompt' is TYPE_INT32, but the model declares TYPE_STRING")],
  },
  {
    name: 'a warmup input of another shape',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_warmup { name: "w" batch_size: 1 inputs { key: "prompt" value { data_type: TYPE_STRING dims: [ 2 ] zero_data: true } } }']],
    expected: [E('config.pbtxt:4:47', "warmup sample 'w': unexpected shape for input 'prompt': the model expects [1], the warmup request has [2]")],
  },
  {
    name: 'a warmup data file that is not there',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_warmup { name: "w" batch_size: 1 inputs { key: "prompt" value { data_type: TYPE_STRING dims: [ 1 ] input_data_file: "p.bin" } } }']],
    expected: [E('config.pbtxt:4:123', "warmup sample 'w': input 'prompt' reads warmup/p.bin in the model folder, which does not exist")],
  },

  // What Python says of model.py (validate asks python3 to compile it).
  {
    name: 'a SyntaxError Python found',
    options: { syntaxErrors: new Map([['dumb_stub/1/model.py', { line: 10, column: 31, message: "SyntaxError: expected ':'" }]]) },
    expected: [E('1/model.py:10:31', "SyntaxError: expected ':': Python refuses this file, so Triton fails to load the model")],
  },
  {
    name: 'a SyntaxError in a version the policy does not load',
    files: { 'dumb_stub/2/model.py': BASE_MODEL },
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nversion_policy { specific { versions: [ 2 ] } }']],
    options: { syntaxErrors: new Map([['dumb_stub/1/model.py', { line: 10, column: 31, message: "SyntaxError: expected ':'" }]]) },
    expected: [W('1/model.py:10:31', "SyntaxError: expected ':': Python refuses this file, so Triton fails to load the model (version 1 is not loaded under the version policy, but would fail if it were)")],
  },
  {
    name: 'auto_complete_config is not called with auto-complete disabled',
    edit: [['output [\n  {\n    name: "image"\n    data_type: TYPE_UINT8\n    dims: [ -1, -1, 3 ]\n  }\n]\n', '']],
    editModel: [
      ['pb_utils.Tensor("image", image)', 'image'],
      ['pb_utils.get_output_config_by_name(config, "image")["data_type"]', '"TYPE_UINT8"'],
      ['    def initialize(self, args):', '    @staticmethod\n    def auto_complete_config(config):\n        return config\n\n    def initialize(self, args):'],
    ],
    options: { autoComplete: false },
    expected: [W('config.pbtxt:1:1', "no 'output' tensors: Triton loads the model, and every response it gives is empty (declare them in config.pbtxt, or have model.py define auto_complete_config to add them)")],
  },
];

// Configs Triton accepts: no finding.
const VARIANTS: Case[] = [
  { name: 'no name (Triton takes the folder name)', edit: [['name: "dumb_stub"\n', '']], expected: [] },
  { name: 'an empty name (Triton takes the folder name)', edit: [['name: "dumb_stub"', 'name: ""']], expected: [] },
  { name: 'the runtime library of the backend', edit: [['backend: "python"', 'backend: "python"\nruntime: "libtriton_python.so"']], expected: [] },
  { name: 'a warmup sample of batch size 0 (skipped)', edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_warmup { name: "w" inputs { key: "prompt" value { dims: [ -1 ] } } }']], expected: [] },
  {
    name: 'a warmup sample from a data file, with a control input',
    edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_warmup { name: "w" batch_size: 2 inputs [ { key: "prompt" value { data_type: TYPE_STRING dims: [ 1 ] input_data_file: "p.bin" } }, { key: "START" value { data_type: TYPE_INT32 dims: [ 1 ] zero_data: true } } ] }']],
    files: { 'dumb_stub/warmup/p.bin': '\u0001\u0000\u0000\u0000a' },
    expected: [],
  },
  { name: 'decoupled: True, text-format details', edit: [['max_batch_size: 0', "max_batch_size: 0; model_transaction_policy < decoupled: True >,\nparameters [ { key: 'a' value { string_value: \"x\" 'y' } } ]"]], expected: [] },
  {
    name: 'dynamic batching with preferred sizes, queue delay, priorities',
    edit: [
      [
        'max_batch_size: 0',
        'max_batch_size: 8\ndynamic_batching {\n  preferred_batch_size: [ 4, 8 ]\n  max_queue_delay_microseconds: 100\n  priority_levels: 2\n  default_priority_level: 1\n  priority_queue_policy { key: 2 value { max_queue_size: 4 } }\n}',
      ],
    ],
    expected: [],
  },
  { name: 'several instance groups', edit: [['instance_group [', 'instance_group [\n  { count: 2 kind: KIND_GPU gpus: [ 0, 1 ] },\n  { kind: KIND_AUTO },\n  { kind: KIND_MODEL },']], expected: [] },
  { name: 'version policy all, and a specific one', edit: [['max_batch_size: 0', 'max_batch_size: 0\nversion_policy { all { } }']], expected: [] },
  { name: 'specific version that exists', edit: [['max_batch_size: 0', 'max_batch_size: 0\nversion_policy: { specific: { versions: [ 1 ] } }']], expected: [] },
  { name: 'optional input, reshape of a batch-only tensor', edit: [['max_batch_size: 0', 'max_batch_size: 4'], ['dims: [ 1 ]', 'dims: [ 1 ]\n    optional: true\n    reshape: { shape: [ ] }']], expected: [] },
  { name: 'reshape with matching variable dimensions', edit: [['dims: [ -1, -1, 3 ]', 'dims: [ -1, -1, 3 ]\n    reshape { shape: [ -1, -1, 1, 3 ] }']], expected: [] },
  {
    name: 'sequence batching with every control and state',
    edit: [
      [
        'max_batch_size: 0',
        'max_batch_size: 4\nsequence_batching {\n  oldest { max_candidate_sequences: 4 preferred_batch_size: [ 2, 4 ] }\n  control_input [\n    { name: "START" control [ { kind: CONTROL_SEQUENCE_START fp32_false_true: [ 0, 1 ] } ] },\n    { name: "READY" control { kind: CONTROL_SEQUENCE_READY bool_false_true: [ false, true ] } },\n    { name: "END" control { kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] } },\n    { name: "CORRID" control { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_STRING } }\n  ]\n  state { input_name: "IN_STATE" output_name: "OUT_STATE" data_type: TYPE_FP32 dims: [ -1 ] initial_state { name: "zeros" data_type: TYPE_FP32 dims: [ 1 ] zero_data: true } }\n  iterative_sequence: true\n}',
      ],
    ],
    expected: [],
  },
  { name: 'parameters and an execution environment that exists', edit: [['max_batch_size: 0', 'max_batch_size: 0\nparameters { key: "EXECUTION_ENV_PATH" value { string_value: "$$TRITON_MODEL_DIRECTORY/env.tar.gz" } }']], files: { 'dumb_stub/env.tar.gz': 'x' }, expected: [] },
  { name: 'a label file that exists', edit: [['dims: [ -1, -1, 3 ]', 'dims: [ -1, -1, 3 ]\n    label_filename: "labels.txt"']], files: { 'dumb_stub/labels.txt': 'a\n' }, expected: [] },
  { name: 'other fields: warmup, metrics, optimization, rate limiter, cache', edit: [['max_batch_size: 0', 'max_batch_size: 0\nmodel_warmup { name: "w" batch_size: 1 inputs { key: "prompt" value { data_type: TYPE_STRING dims: [ 1 ] zero_data: true } } }\nmodel_metrics { metric_control { metric_identifier { family: "f" } histogram_options { buckets: [ 1, 2 ] } } }\noptimization { input_pinned_memory { enable: false } }\nresponse_cache { enable: true }'], ['count: 1', 'count: 1\n    rate_limiter { resources { name: "R" count: 1 } priority: 1 }']], expected: [] },
  { name: 'skipped folders beside the versions, files in the model folder', files: { 'dumb_stub/configs/other.pbtxt': 'x', 'dumb_stub/warmup/': '', 'dumb_stub/initial_state/': '', 'dumb_stub/README.md': 'x' }, expected: [] },
  {
    name: 'a non-batching step model in a batching ensemble',
    files: ENSEMBLE(STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }'), 'max_batch_size: 8\n'),
    expected: [],
  },
  {
    name: 'an ensemble bounding its requests in flight (max_inflight_requests, 25.11)',
    files: ENSEMBLE(`  max_inflight_requests: 4\n${STEP('step_a', 'input_map { key: "IN" value: "TEXT" }', 'output_map { key: "OUT" value: "PICTURE" }')}`),
    expected: [],
  },
  { name: 'a class that inherits execute', editModel: [['class TritonPythonModel:', 'class Base:\n    pass\n\n\nclass TritonPythonModel(Base):'], ['    def execute(self, requests):', '    def run(self, requests):']], expected: [] },
];

describe('a repository with one fault gives exactly its finding', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, testCase) => {
    expect(findingsOf(testCase)).toEqual(testCase.expected);
  });
});

describe('configs Triton accepts give no finding', () => {
  it('the hand-written reference repository (dumb_stub)', () => {
    expect(findingsOf({ name: 'dumb_stub', expected: [] })).toEqual([]);
  });
  it.each(VARIANTS.map((c) => [c.name, c] as const))('%s', (_name, testCase) => {
    expect(findingsOf(testCase)).toEqual(testCase.expected);
  });
});
