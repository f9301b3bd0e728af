/** An ensemble's config alone (ValidateEnsembleSchedulingConfig); ./model.ts checks its steps against the models they call. */

import { getField, lastValue, mapEntries, type ParsedMessage } from '../pbtxt/message.js';
import type { FindingList } from './findings.js';
import type { EnsembleStepSummary } from './config-summary.js';
import { messagesOf, start, stringOf } from './config-fields.js';

interface EnsembleNode {
  name: string;
  isOutput: boolean;
  ready: boolean;
  prev: EnsembleNode[];
  next: EnsembleNode[];
}

export function checkEnsemble(config: ParsedMessage, name: string, platform: string, findings: FindingList): EnsembleStepSummary[] | undefined {
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
