/** Command-line flags -> SpecDraft. Every value goes through the same field rules as prompts and spec files. */

import fs from 'node:fs';
import path from 'node:path';
import { fieldError } from '../ui/errors.js';
import { parseAssetPath } from './assets.js';
import {
  InvalidValue,
  parseInstanceCount,
  parseInstanceGroup,
  parseInstanceKind,
  parseMaxQueueDelay,
  parseParameter,
  parsePreferredBatchSize,
  parseReshapeFlag,
  parseTensorName,
  parseVersionPolicy,
  parseMaxBatchSize,
  parseModelName,
  parseModelVersion,
  parseRequirement,
  parseRequirementsFile,
  parseTemplate,
  parseTensorFlag,
  parseTritonVersion,
} from './fields.js';
import type { Sourced, SpecDraft } from './spec.js';

/** The spec flags as yargs hands them over: strings, kept raw so that our rules judge them. */
export interface SpecFlags {
  name?: string;
  template?: string;
  input?: string[];
  output?: string[];
  maxBatchSize?: string;
  requirement?: string[];
  requirementsFile?: string;
  asset?: string[];
  tritonVersion?: string;
  instanceKind?: string;
  instanceCount?: string;
  modelVersion?: string;
  instanceGroup?: string[];
  dynamicBatching?: boolean;
  preferredBatchSize?: string[];
  maxQueueDelayUs?: string;
  parameter?: string[];
  versionPolicy?: string;
  optionalInput?: string[];
  reshape?: string[];
}

/** Parse one value, turning a rule's complaint into `<label> "<value>": <problem>`. */
export function sourced<T>(label: string, raw: unknown, parse: (raw: unknown) => T): Sourced<T> {
  try {
    return { value: parse(raw), label, raw };
  } catch (error) {
    if (error instanceof InvalidValue) {
      throw error.at ? fieldError(`${label}.${error.at.key}`, error.at.value, error.message) : fieldError(label, raw, error.message);
    }
    throw error;
  }
}

const one = <T>(flag: string, raw: string | undefined, parse: (raw: unknown) => T): Sourced<T> | undefined =>
  raw === undefined ? undefined : sourced(flag, raw, parse);

const many = <T>(flag: string, raws: string[] | undefined, parse: (raw: unknown) => T): Sourced<T>[] | undefined =>
  raws === undefined || raws.length === 0 ? undefined : raws.map((raw) => sourced(flag, raw, parse));

function requirementsFromFile(file: string, cwd: string): Sourced<string>[] {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch {
    throw fieldError('--requirements-file', file, 'cannot read this file');
  }
  return parseRequirementsFile(text).map(({ line, requirement }) => sourced(`--requirements-file ${file}:${line}`, requirement, parseRequirement));
}

export function draftFromFlags(flags: SpecFlags, cwd: string): SpecDraft {
  const requirements = [
    ...(flags.requirementsFile !== undefined ? requirementsFromFile(flags.requirementsFile, cwd) : []),
    ...(many('--requirement', flags.requirement, parseRequirement) ?? []),
  ];
  return {
    name: one('--name', flags.name, parseModelName),
    template: one('--template', flags.template, parseTemplate),
    inputs: many('--input', flags.input, parseTensorFlag),
    outputs: many('--output', flags.output, parseTensorFlag),
    maxBatchSize: one('--max-batch-size', flags.maxBatchSize, parseMaxBatchSize),
    requirements: requirements.length > 0 ? requirements : undefined,
    assets: many('--asset', flags.asset, (raw) => parseAssetPath(raw, cwd)),
    tritonVersion: one('--triton-version', flags.tritonVersion, parseTritonVersion),
    instanceKind: one('--instance-kind', flags.instanceKind, parseInstanceKind),
    instanceCount: one('--instance-count', flags.instanceCount, parseInstanceCount),
    modelVersion: one('--model-version', flags.modelVersion, parseModelVersion),
    instanceGroups: many('--instance-group', flags.instanceGroup, parseInstanceGroup),
    dynamicBatching: flags.dynamicBatching === undefined ? undefined : { value: flags.dynamicBatching, label: '--dynamic-batching', raw: flags.dynamicBatching },
    preferredBatchSizes: many('--preferred-batch-size', flags.preferredBatchSize, parsePreferredBatchSize),
    maxQueueDelayMicroseconds: one('--max-queue-delay-us', flags.maxQueueDelayUs, parseMaxQueueDelay),
    parameters: many('--parameter', flags.parameter, parseParameter),
    versionPolicy: one('--version-policy', flags.versionPolicy, parseVersionPolicy),
    optionalInputs: many('--optional-input', flags.optionalInput, parseTensorName),
    reshapes: many('--reshape', flags.reshape, parseReshapeFlag),
  };
}
