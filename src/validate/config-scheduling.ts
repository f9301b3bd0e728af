/** Scheduling in a config: dynamic batching, sequence batching and instance groups (ValidateModelConfig, ValidateInstanceGroup). */

import { getField, lastValue, mapEntries, type ParsedMessage } from '../pbtxt/message.js';
import type { FindingList, Position } from './findings.js';
import type { ConfigContext } from './config-summary.js';
import { boolOf, dimsOf, enumOf, has, messageOf, messagesOf, numberOf, numbersOf, start, stringOf, valuesOf, WILDCARD } from './config-fields.js';

function checkPreferredSizes(values: { number: number; at: Position }[], maxBatchSize: number, what: string, findings: FindingList): void {
  for (const size of values) {
    if (size.number <= 0) findings.error(size.at, 'batching', `${what} must be positive (got ${size.number})`);
    else if (size.number > maxBatchSize) findings.error(size.at, 'batching', `${what} must be <= max batch size (got ${size.number}, max_batch_size is ${maxBatchSize})`);
  }
}

export function checkDynamicBatching(config: ParsedMessage, maxBatchSize: number, context: ConfigContext, findings: FindingList): void {
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

export function checkSequenceBatching(config: ParsedMessage, maxBatchSize: number, findings: FindingList): void {
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

export function checkInstanceGroups(config: ParsedMessage, name: string, platform: string, findings: FindingList): void {
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
