/**
 * Fuzzed cases for the validate-vs-Triton differential, sampled with fast-check from a fixed seed
 * (CTM_FUZZ_SEED), CTM_FUZZ_CASES of them (default 200: what CI runs; raise it for a longer hunt):
 * - specs: documents with the fields of schema/spec.schema.json (template, tensors with optional and
 *   reshape, batching, dynamic batching, instance groups, parameters, version policy, model version),
 *   read like a `--from` file, finalized and rendered: what `create` would write, which Triton must load;
 * - corpus operators: two config mutations of ./validate-corpus.ts composed on its base config;
 * - token mutations: a line of the base config deleted or repeated, or one of its numbers, enum
 *   values or strings replaced by another of its kind (or by one that is not).
 * Nothing here says what the verdict should be; Triton judges each case.
 */

import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { draftFromFile } from '../../src/model-spec/from-file.js';
import { DATA_TYPES } from '../../src/model-spec/dtypes.js';
import { finalizeSpec } from '../../src/model-spec/spec.js';
import { render } from '../../src/render/index.js';
import { UserError } from '../../src/ui/errors.js';
import { CORPUS, type CorpusCase } from './validate-corpus.js';

export const FUZZ_SEED = Number(process.env.CTM_FUZZ_SEED ?? 20261207);
export const FUZZ_CASES = Number(process.env.CTM_FUZZ_CASES ?? 200);

// ------------------------------------------------------------------------------------------------
// Specs, from the schema's fields

const dim = fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 16 }));
const dims = fc.array(dim, { minLength: 1, maxLength: 3 });
/** The same element count and variable dimensions, seen otherwise: flattened (fixed dims only) or with a 1 appended. */
const reshapeOf = (tensorDims: number[], choice: number): number[] | undefined => {
  if (choice === 1 && !tensorDims.includes(-1)) return [tensorDims.reduce((a, b) => a * b, 1)];
  if (choice === 2) return [...tensorDims, 1];
  return undefined;
};

const tensor = (optional: boolean, torch: boolean) =>
  fc.record({
    dataType: fc.constantFrom(...DATA_TYPES.map((t) => t.name).filter((name) => torch || name !== 'BF16')),
    dims,
    optional: optional ? fc.boolean() : fc.constant(false),
    reshape: fc.integer({ min: 0, max: 4 }),
  });

const specDocument = (torch: boolean) =>
  fc
    .record({
      template: fc.constantFrom('blank', 'decoupled'),
      maxBatchSize: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 })),
      inputs: fc.array(tensor(true, torch), { minLength: 1, maxLength: 3 }),
      outputs: fc.array(tensor(false, torch), { minLength: 1, maxLength: 3 }),
      groups: fc.array(fc.record({ kind: fc.constantFrom('cpu', 'auto'), count: fc.integer({ min: 1, max: 2 }) }), { minLength: 1, maxLength: 2 }),
      dynamic: fc.constantFrom('none', 'plain', 'tuned'),
      preferred: fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 2 }),
      delay: fc.integer({ min: 0, max: 500 }),
      parameters: fc.dictionary(fc.constantFrom('threshold', 'mode', 'k', 'use.cache', 'LABELS'), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), { maxKeys: 3 }),
      policy: fc.constantFrom('', 'latest', 'latest:2', 'all', 'specific'),
      modelVersion: fc.integer({ min: 1, max: 3 }),
    })
    .map((r) => {
      const named = (list: typeof r.inputs, prefix: string) =>
        list.map((t, i) => ({
          name: `${prefix}${i}`,
          dataType: t.dataType,
          dims: t.dims,
          // The first input stays required: the spec rules want one (model.py reads the batch size from it).
          ...(t.optional && i > 0 ? { optional: true } : {}),
          ...(reshapeOf(t.dims, t.reshape) ? { reshape: reshapeOf(t.dims, t.reshape) } : {}),
        }));
      const batching = r.maxBatchSize > 0 && r.dynamic !== 'none';
      return {
        template: r.template,
        tritonVersion: '24.10',
        maxBatchSize: r.maxBatchSize,
        inputs: named(r.inputs, 'in_'),
        outputs: named(r.outputs, 'out_'),
        instanceGroups: r.groups,
        ...(batching ? { dynamicBatching: r.dynamic === 'plain' ? true : { preferredBatchSizes: r.preferred.filter((size) => size <= r.maxBatchSize), maxQueueDelayMicroseconds: r.delay } } : {}),
        ...(Object.keys(r.parameters).length > 0 ? { parameters: r.parameters } : {}),
        ...(r.policy === '' ? {} : { versionPolicy: r.policy === 'specific' ? `specific:${r.modelVersion}` : r.policy }),
        modelVersion: r.modelVersion,
      };
    });

/** What `create` writes for each sampled spec, as corpus cases (the spec files go to `dir`). */
async function specCases(count: number, seed: number, dir: string, torch: boolean): Promise<CorpusCase[]> {
  const cases: CorpusCase[] = [];
  // A combination the spec rules refuse (create would say so and write nothing) is not a case: sample more.
  for (const document of fc.sample(specDocument(torch), { seed, numRuns: count * 3 })) {
    if (cases.length >= count) break;
    const id = `fz_spec_${cases.length}`;
    const file = path.join(dir, `${id}.json`);
    fs.writeFileSync(file, JSON.stringify({ name: id, ...document }, null, 2));
    let spec;
    try {
      spec = finalizeSpec(await draftFromFile(file, dir)).spec;
    } catch (error) {
      if (error instanceof UserError) continue;
      throw error;
    }
    const files = render(spec, { projectName: id }).files;
    const text = (suffix: string) => {
      const found = files.find((entry) => entry.path === `models/${id}/${suffix}`);
      if (!found || !('content' in found)) throw new Error(`${id}: render wrote no models/${id}/${suffix}`);
      return String(found.content);
    };
    const config = text('config.pbtxt');
    cases.push({ id, rule: 'fuzz: spec', config: () => config, files: { [`${spec.modelVersion}/model.py`]: text(`${spec.modelVersion}/model.py`) } });
  }
  return cases;
}

// ------------------------------------------------------------------------------------------------
// Mutations of the base config


const NUMBERS = ['-2', '-1', '0', '1', '2', '3', '8', '2147483647', '2147483648'];
const ENUMS: Record<string, string[]> = {
  TYPE: ['TYPE_BOOL', 'TYPE_UINT8', 'TYPE_INT32', 'TYPE_INT64', 'TYPE_FP16', 'TYPE_FP32', 'TYPE_STRING', 'TYPE_BF16', 'TYPE_INVALID', 'TYPE_FP128'],
  KIND: ['KIND_AUTO', 'KIND_CPU', 'KIND_MODEL', 'KIND_GPU_X'],
};
const STRINGS = ['""', '"x"', '"y"', '"z"', '"python"', '" "'];

type TokenMutation = { kind: 'delete' | 'repeat' | 'number' | 'enum' | 'string'; line: number; pick: number };

/** One token mutation of a config text; undefined when the chosen line has nothing of that kind. */
function mutate(text: string, mutation: TokenMutation): string | undefined {
  const lines = text.split('\n');
  const at = mutation.line % lines.length;
  const line = lines[at] as string;
  const replaceOne = (pattern: RegExp, choices: (match: string) => string[]) => {
    const matches = [...line.matchAll(pattern)];
    if (matches.length === 0) return undefined;
    const match = matches[mutation.pick % matches.length] as RegExpMatchArray;
    const options = choices(match[0]).filter((choice) => choice !== match[0]);
    const replacement = options[mutation.pick % options.length] as string;
    return line.slice(0, match.index) + replacement + line.slice((match.index as number) + match[0].length);
  };
  let next: string | undefined;
  switch (mutation.kind) {
    case 'delete':
      return [...lines.slice(0, at), ...lines.slice(at + 1)].join('\n');
    case 'repeat':
      return [...lines.slice(0, at + 1), line, ...lines.slice(at + 1)].join('\n');
    case 'number':
      next = replaceOne(/(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])/g, () => NUMBERS);
      break;
    case 'enum':
      next = replaceOne(/\b(TYPE|KIND)_[A-Z0-9_]+\b/g, (match) => ENUMS[match.split('_')[0] as string] ?? []);
      break;
    case 'string':
      next = replaceOne(/"[^"]*"/g, () => STRINGS);
      break;
  }
  return next === undefined ? undefined : [...lines.slice(0, at), next, ...lines.slice(at + 1)].join('\n');
}

const tokenMutation = fc.record({ kind: fc.constantFrom('delete', 'repeat', 'number', 'enum', 'string'), line: fc.nat(), pick: fc.nat() });

function mutationCases(count: number, seed: number, base: string, exclude: readonly string[]): CorpusCase[] {
  // The corpus's config-only mutations, but those that name their own case (they look for `name: "<id>"`)
  // and those whose verdict is a documented difference (composed, they would only repeat it).
  const OPERATORS = CORPUS.filter((c) => c.config && !c.files && !c.id.startsWith('name_') && c.id !== 'no_config' && !exclude.includes(c.id));
  const cases: CorpusCase[] = [];
  const composed = Math.floor(count / 2);
  const pairs = fc.sample(fc.tuple(fc.nat(), fc.nat()), { seed, numRuns: composed * 4 });
  for (const [a, b] of pairs) {
    if (cases.length >= composed) break;
    const first = OPERATORS[a % OPERATORS.length] as CorpusCase;
    const second = OPERATORS[b % OPERATORS.length] as CorpusCase;
    if (first === second) continue;
    const [f, g] = [first.config, second.config] as ((base: string) => string | null)[];
    const config = (text: string) => (g as (b: string) => string | null)((f as (b: string) => string | null)(text) as string);
    try {
      config(base.replace('name: "NAME"', 'name: "probe"'));
    } catch {
      continue; // the second does not apply after the first
    }
    cases.push({ id: `fz_ops_${cases.length}`, rule: 'fuzz: corpus operators', config, fuzzNote: `${first.id} + ${second.id}` });
  }
  const mutations = fc.sample(fc.array(tokenMutation, { minLength: 1, maxLength: 2 }), { seed: seed + 1, numRuns: (count - cases.length) * 4 });
  let index = 0;
  for (const list of mutations) {
    if (cases.length >= count) break;
    const config = (text: string) => {
      let current = text;
      for (const mutation of list) current = mutate(current, mutation) ?? current;
      return current;
    };
    const probe = base.replace('name: "NAME"', 'name: "probe"');
    if (config(probe) === probe) continue;
    cases.push({ id: `fz_tok_${index++}`, rule: 'fuzz: token mutations', config, fuzzNote: JSON.stringify(list) });
  }
  return cases;
}

/** Every fuzzed case, specs first; spec files are written to `dir`. `exclude`: corpus cases not to compose. */
export async function fuzzCorpus(dir: string, base: string, torch: boolean, exclude: readonly string[], count = FUZZ_CASES, seed = FUZZ_SEED): Promise<CorpusCase[]> {
  const specs = Math.round(count * 0.4);
  return [...(await specCases(specs, seed, dir, torch)), ...mutationCases(count - specs, seed, base, exclude)];
}
