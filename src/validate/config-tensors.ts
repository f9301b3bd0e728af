/** Inputs and outputs of a config (ValidateIOShape, ValidateModelInput/Output), and batch inputs and outputs (ValidateBatchIO). */

import { getField, lastValue, type ParsedMessage, type ParsedValue } from '../pbtxt/message.js';
import { enumDescriptor } from '../pbtxt/schema.js';
import type { FindingList, Position } from './findings.js';
import type { ConfigContext, TensorSummary } from './config-summary.js';
import { boolOf, dimsOf, enumOf, has, messageOf, messagesOf, quoted, start, stringOf, valuesOf, WILDCARD } from './config-fields.js';

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

export function checkTensors(config: ParsedMessage, side: 'input' | 'output', maxBatchSize: number, platform: string, context: ConfigContext, findings: FindingList): TensorSummary[] {
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
      // Triton loads it (protobuf keeps an unknown enum number) and shows the datatype as "<invalid>".
      findings.warning(start(lastValue(message, 'data_type')), 'data-type', `${prefix} has data type ${dataType}, which is not a DataType value: Triton loads the model and shows its datatype as "<invalid>", and no request can send it`);
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

export function checkTensorNames(inputs: TensorSummary[], outputs: TensorSummary[], findings: FindingList): void {
  const seen = new Map<string, { side: string; at: Position }>();
  for (const [side, list] of [['input', inputs], ['output', outputs]] as const) {
    for (const tensor of list) {
      const previous = seen.get(tensor.name);
      if (!previous) {
        seen.set(tensor.name, { side, at: tensor.at });
        continue;
      }
      // Triton loads all three (checked against 2.51.0); what each does to requests is the warning.
      const where = `line ${previous.at.line}`;
      findings.warning(
        tensor.at,
        'duplicate-tensor',
        previous.side !== side
          ? `'${tensor.name}' is both an input (${where}) and an output: Triton loads it, but one name then means two tensors, in metadata and in model.py; give them different names`
          : side === 'input'
            ? `duplicate input name '${tensor.name}' (also at ${where}): Triton loads the model but counts both as required, and a request cannot send one name twice, so every request fails`
            : `duplicate output name '${tensor.name}' (also at ${where}): Triton loads the model and lists the output twice in its metadata; remove one`,
      );
    }
  }
}

/** A leading -1 on every tensor of a batching model usually means the batch dimension was written into dims. */
export function checkBatchDimension(maxBatchSize: number, maxBatchSizeAt: Position | undefined, tensors: TensorSummary[], findings: FindingList): void {
  if (maxBatchSize <= 0 || tensors.length === 0) return;
  if (!tensors.every((t) => t.dims.length >= 2 && t.dims[0] === WILDCARD)) return;
  const example = tensors[0] as TensorSummary;
  findings.warning(
    maxBatchSizeAt,
    'batch-dimension',
    `max_batch_size is ${maxBatchSize}, so the batch dimension is implicit and never listed in dims; every tensor's dims start with -1 (e.g. '${example.name}' [${example.dims.join(', ')}] is shape [batch, ${example.dims.join(', ')}]): drop the leading -1 if it meant the batch`,
  );
}

const BATCH_INPUT_KINDS = enumDescriptor('BatchInput.Kind').values.map((value) => value.name);

export function checkBatchIo(config: ParsedMessage, inputs: TensorSummary[], outputs: TensorSummary[], findings: FindingList): void {
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
