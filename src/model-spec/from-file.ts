/** A --from spec file (JSON or YAML) -> SpecDraft, with messages that point into the file. */

import fs from 'node:fs';
import path from 'node:path';
import { UserError, showValue } from '../ui/errors.js';
import { shownPath } from '../ui/paths.js';
import { parseAssetPath } from './assets.js';
import {
  parseInstanceCount,
  parseInstanceGroup,
  parseInstanceKind,
  parseMaxQueueDelay,
  parseParameter,
  parsePreferredBatchSize,
  parseVersionPolicy,
  parseMaxBatchSize,
  parseModelName,
  parseModelVersion,
  parseRequirement,
  parseTemplate,
  parseTensorObject,
  parseTritonVersion,
} from './fields.js';
import { sourced } from './from-flags.js';
import type { Sourced, SpecDraft } from './spec.js';

export const SPEC_FILE_KEYS = [
  'name',
  'template',
  'maxBatchSize',
  'inputs',
  'outputs',
  'requirements',
  'assets',
  'tritonVersion',
  'instanceKind',
  'instanceCount',
  'modelVersion',
  'instanceGroups',
  'dynamicBatching',
  'parameters',
  'versionPolicy',
] as const;

/**
 * Integers as bigint only where a number would round them (beyond 2^53): the field rules then judge
 * and show such a value as written (9007199254740993 must not become ...992 in a message).
 */
function withExactIntegers(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(withExactIntegers);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withExactIntegers(item)]));
  return value;
}

const hasRoundedInteger = (value: unknown): boolean =>
  typeof value === 'number'
    ? Number.isInteger(value) && !Number.isSafeInteger(value)
    : typeof value === 'object' && value !== null && Object.values(value).some(hasRoundedInteger);

/** YAML (and JSON, which YAML 1.2 reads the same) with integers kept exact. */
async function parseYaml(text: string, shown: string, uniqueKeys: boolean): Promise<unknown> {
  const yaml = await import('yaml');
  // yaml ships CommonJS for Node: its exports may sit on the namespace or on default, depending on the bundler's interop.
  const parseDocument = (yaml.parseDocument ?? (yaml as unknown as { default: typeof yaml }).default.parseDocument) as typeof yaml.parseDocument;
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys, intAsBigInt: true });
  const problem = document.errors[0];
  if (problem) {
    const where = problem.linePos?.[0] ? `:${problem.linePos[0].line}:${problem.linePos[0].col}` : '';
    throw new UserError(`--from ${shown}${where}: not valid YAML or JSON (${problem.message.split('\n')[0]})`);
  }
  return withExactIntegers(document.toJS());
}

async function parseDocument(text: string, file: string, shown: string): Promise<unknown> {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UserError(`--from ${shown}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
    }
    // JSON.parse rounds integers beyond 2^53: read such a (valid) document again, exactly (duplicate keys: the last wins, as in JSON.parse).
    return hasRoundedInteger(parsed) ? parseYaml(text, shown, false) : parsed;
  }
  return parseYaml(text, shown, true);
}

export async function draftFromFile(file: string, cwd: string): Promise<SpecDraft> {
  const absolute = path.resolve(cwd, file);
  const shown = shownPath(absolute, cwd);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(absolute);
  } catch {
    throw new UserError(`--from ${showValue(file)}: cannot read this file`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`--from ${shown}: not valid UTF-8 text`);
  }
  const document = await parseDocument(text.replace(/^\uFEFF/, ''), absolute, shown);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new UserError(`--from ${shown}: expected an object with the spec fields (${SPEC_FILE_KEYS.join(', ')})`);
  }
  const fields = document as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key !== '$schema' && !(SPEC_FILE_KEYS as readonly string[]).includes(key)) {
      throw new UserError(`${shown}: unknown field ${showValue(key)} (allowed: ${SPEC_FILE_KEYS.join(', ')})`);
    }
  }
  // Relative asset paths are read from the spec file's folder, where its author wrote them from.
  const baseDir = path.dirname(absolute);
  const one = <T>(key: string, parse: (raw: unknown) => T): Sourced<T> | undefined =>
    fields[key] === undefined || fields[key] === null ? undefined : sourced(`${shown}: ${key}`, fields[key], parse);
  const many = <T>(key: string, parse: (raw: unknown) => T): Sourced<T>[] | undefined => {
    const value = fields[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw new UserError(`${shown}: ${key} must be a list`);
    return value.map((item, index) => sourced(`${shown}: ${key}[${index}]`, item, parse));
  };
  return {
    name: one('name', parseModelName),
    template: one('template', parseTemplate),
    maxBatchSize: one('maxBatchSize', parseMaxBatchSize),
    inputs: many('inputs', parseTensorObject),
    outputs: many('outputs', parseTensorObject),
    requirements: many('requirements', parseRequirement),
    assets: many('assets', (raw) => parseAssetPath(raw, baseDir)),
    tritonVersion: one('tritonVersion', parseTritonVersion),
    instanceKind: one('instanceKind', parseInstanceKind),
    instanceCount: one('instanceCount', parseInstanceCount),
    modelVersion: one('modelVersion', parseModelVersion),
    instanceGroups: many('instanceGroups', parseInstanceGroup),
    ...dynamicBatchingFrom(fields.dynamicBatching, shown),
    parameters: parametersFrom(fields.parameters, shown),
    versionPolicy: one('versionPolicy', parseVersionPolicy),
  };
}

/** `dynamicBatching: true` or `{preferredBatchSizes, maxQueueDelayMicroseconds}`. */
function dynamicBatchingFrom(raw: unknown, shown: string): Pick<SpecDraft, 'dynamicBatching' | 'preferredBatchSizes' | 'maxQueueDelayMicroseconds'> {
  if (raw === undefined || raw === null) return {};
  const label = `${shown}: dynamicBatching`;
  if (typeof raw === 'boolean') return { dynamicBatching: { value: raw, label, raw } };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UserError(`${label} must be true, false or {preferredBatchSizes, maxQueueDelayMicroseconds}`);
  const object = raw as Record<string, unknown>;
  const unknown = Object.keys(object).find((k) => k !== 'preferredBatchSizes' && k !== 'maxQueueDelayMicroseconds');
  if (unknown) throw new UserError(`${label}: unknown field ${showValue(unknown)} (allowed: preferredBatchSizes, maxQueueDelayMicroseconds)`);
  const sizes = object.preferredBatchSizes;
  if (sizes !== undefined && !Array.isArray(sizes)) throw new UserError(`${label}.preferredBatchSizes must be a list`);
  return {
    dynamicBatching: { value: true, label, raw },
    preferredBatchSizes: sizes?.map((size, i) => sourced(`${label}.preferredBatchSizes[${i}]`, size, parsePreferredBatchSize)),
    maxQueueDelayMicroseconds: object.maxQueueDelayMicroseconds === undefined ? undefined : sourced(`${label}.maxQueueDelayMicroseconds`, object.maxQueueDelayMicroseconds, parseMaxQueueDelay),
  };
}

/** `parameters: {key: value}` (values as strings) or a list of "key=value". */
function parametersFrom(raw: unknown, shown: string): SpecDraft['parameters'] {
  if (raw === undefined || raw === null) return undefined;
  const label = `${shown}: parameters`;
  if (Array.isArray(raw)) return raw.map((item, i) => sourced(`${label}[${i}]`, item, parseParameter));
  if (typeof raw !== 'object') throw new UserError(`${label} must be an object of key: value strings`);
  return Object.entries(raw as Record<string, unknown>).map(([key, value]) => {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint' && typeof value !== 'boolean') throw new UserError(`${label}.${key} must be a string`);
    return sourced(`${label}.${key}`, [key, String(value)], parseParameter);
  });
}
