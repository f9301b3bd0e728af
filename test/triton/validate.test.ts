/**
 * validate against Triton, case by case: every model folder of the corpus (test/triton/validate-corpus.ts)
 * and of the fuzzed cases (test/triton/validate-fuzz.ts: CTM_FUZZ_CASES, default 200, seed CTM_FUZZ_SEED)
 * is loaded by real Triton (explicit model-control mode, a few loads at a time per server) and checked by
 * `validate --triton-version 24.10` (the release Triton 2.51.0 is), once with Triton's default
 * auto-complete and once with --disable-auto-complete-config (validate's flag of the same name): every
 * corpus case in both modes, the fuzzed cases in turn in one mode each (a load costs a Python stub, about
 * a second; the corpus already covers what the flag changes). Verdicts must agree: Triton refuses to load
 * <=> validate reports an error. The suite prints the agreement table; the cases where they still differ
 * are listed below with the reason, and the README repeats them. About eleven minutes here (2 cores, 200
 * fuzzed cases, beside the other real-Triton files), most of it Triton starting a Python stub per load.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoAnswerError } from '../../src/triton/client.js';
import { makeTempDir, runCli, TORCH } from '../helpers/cli.js';
import { showLogOnFailure, startTriton, TRITON_WHEEL_TAG, type TritonServer } from '../helpers/triton.js';
import { BASE_CONFIG, CORPUS, NEUTRAL_MODEL, type CorpusCase } from './validate-corpus.js';
import { FUZZ_CASES, FUZZ_SEED, fuzzCorpus } from './validate-fuzz.js';

type Mode = 'auto-complete' | 'no-auto-complete';
const MODES: Mode[] = ['auto-complete', 'no-auto-complete'];

/**
 * What validate cannot know: whether the model's code runs (Triton imports model.py and calls
 * initialize() when it loads it), and the files of the machine Triton runs on.
 */
const BEYOND_THE_FOLDER = {
  py_missing_import:
    "a module model.py imports is missing from the Python Triton runs: validate does not import the model (the image's packages are not this machine's; `serve` checks imports with the project's Python)",
  py_initialize_raises: 'initialize() raises: validate does not run model code',
  param_execution_env_outside:
    'EXECUTION_ENV_PATH names a file outside the model folder (/nonexistent/env.tar.gz): it must exist where Triton runs (in the image), which validate cannot see',
};

/**
 * Where validate and Triton still disagree, and why. Keyed by mode and case id; every entry must still
 * disagree (a fixed one must leave the list), and no other case may.
 */
const KNOWN_DIFFERENCES: Record<Mode, Record<string, string>> = { 'auto-complete': BEYOND_THE_FOLDER, 'no-auto-complete': BEYOND_THE_FOLDER };

/**
 * Cases whose verdict depends on the machine Triton runs on: listed when they disagree, never required
 * to. KIND_GPU (and a GPU id) loads on a machine with a GPU and is refused without one ("no GPUs are
 * available"); validate cannot know where the model will run, and says nothing.
 */
const HOST_DEPENDENT: Record<string, string> = {
  ig_gpu: 'KIND_GPU: Triton refuses it on a machine without a GPU',
  ig_gpu_listed: 'gpus: [ 0 ]: Triton refuses it on a machine without GPU 0',
};

/**
 * A load Triton never finishes counts as refused: 2.51.0 hangs on a model whose only version folder is
 * "-1" (it looks for the model file in version 18446744073709551615, its stub fails, the load waits
 * forever). Loading a few at a time keeps the corpus fast; one that hangs holds only its own slot here,
 * but also one of Triton's model-load threads for good (4 by default): with a few such cases, every
 * later load would wait for a thread and time out, so the servers get plenty.
 */
const LOAD_TIMEOUT_MS = 30_000;
const LOADS_AT_ONCE = 4;
const LOAD_THREADS = 32;

interface Verdict {
  loaded: boolean;
  message: string;
}

let root: string;
let repository: string;
/** The corpus and the fuzzed cases. */
let cases: CorpusCase[] = [];
/** The mode each fuzzed case is loaded in (corpus cases: both). */
const fuzzMode = new Map<string, Mode>();
const casesOf = (mode: Mode) => cases.filter((c) => (fuzzMode.get(c.id) ?? mode) === mode);
const servers: Partial<Record<Mode, TritonServer>> = {};
const triton: Partial<Record<Mode, Map<string, Verdict>>> = {};
const validateErrors: Partial<Record<Mode, Map<string, string[]>>> = {};

showLogOnFailure(() => servers['auto-complete'] ?? servers['no-auto-complete']);

function writeCase(testCase: CorpusCase): void {
  const dir = path.join(repository, testCase.id);
  fs.mkdirSync(dir, { recursive: true });
  const config = (testCase.config ?? ((base: string) => base))(BASE_CONFIG.replace('name: "NAME"', `name: "${testCase.id}"`));
  if (config !== null) fs.writeFileSync(path.join(dir, 'config.pbtxt'), config);
  for (const [file, content] of Object.entries(testCase.files ?? { '1/model.py': NEUTRAL_MODEL })) {
    if (content === null) continue;
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
}

/** validate's error findings, by case folder. */
async function runValidate(mode: Mode): Promise<Map<string, string[]>> {
  const args = ['validate', repository, '--json', '--triton-version', TRITON_WHEEL_TAG, ...(mode === 'no-auto-complete' ? ['--disable-auto-complete-config'] : [])];
  const result = await runCli(args, { cwd: root, timeout: 120_000 });
  if (![0, 1].includes(result.exitCode)) throw new Error(`validate exited ${result.exitCode}: ${result.stderr}`);
  const report = JSON.parse(result.stdout) as { findings: { file: string; severity: string; message: string; line: number | null; column: number | null }[] };
  const errors = new Map<string, string[]>(cases.map((c) => [c.id, []]));
  for (const finding of report.findings) {
    if (finding.severity !== 'error') continue;
    const id = path.relative(repository, path.resolve(root, finding.file)).split(path.sep)[0]!;
    errors.get(id)?.push(`${finding.file}${finding.line ? `:${finding.line}:${finding.column}` : ''}: ${finding.message}`);
  }
  return errors;
}

/** Triton's answer to loading one case; undefined when the server died meanwhile (it may not be this case's doing). */
async function loadOne(server: TritonServer, testCase: CorpusCase): Promise<Verdict | undefined> {
  try {
    const { status, body } = await server.loadModel(testCase.id, undefined, LOAD_TIMEOUT_MS);
    if (status === 200) await server.unloadModel(testCase.id);
    return { loaded: status === 200, message: status === 200 ? '' : ((JSON.parse(body) as { error?: string }).error ?? body) };
  } catch (error) {
    if (await server.waitForExit(5_000)) return undefined;
    if (error instanceof NoAnswerError && error.timedOut) return { loaded: false, message: `the load did not finish in ${LOAD_TIMEOUT_MS / 1000} s` };
    throw error;
  }
}

/**
 * Every case loaded into a server of `mode`, a few at a time. Some folders crash Triton itself (2.51.0
 * aborts on a version folder beyond int64): the cases that were loading when it died are retried one at
 * a time on a fresh server, and the one that crashes it alone is refused with the log's last words.
 */
async function loadAll(mode: Mode): Promise<Map<string, Verdict>> {
  const start = async () => (servers[mode] = await startTriton({ repositories: [repository], modelControl: 'explicit', args: [`--model-load-thread-count=${LOAD_THREADS}`, ...(mode === 'no-auto-complete' ? ['--disable-auto-complete-config'] : [])] }));
  const verdicts = new Map<string, Verdict>();
  const retry: CorpusCase[] = [];
  let server = await start();
  const queue = casesOf(mode);
  const worker = async () => {
    for (let testCase = queue.shift(); testCase; testCase = queue.shift()) {
      const verdict = server.exited() ? undefined : await loadOne(server, testCase);
      if (verdict) verdicts.set(testCase.id, verdict);
      else retry.push(testCase);
    }
  };
  await Promise.all(Array.from({ length: LOADS_AT_ONCE }, worker));
  for (const testCase of retry) {
    if (server.exited()) {
      await server.stop();
      server = await start();
    }
    const verdict = await loadOne(server, testCase);
    verdicts.set(testCase.id, verdict ?? { loaded: false, message: `Triton crashed: ${server.log().trim().split('\n').slice(-30).find((line) => /what\(\)|terminate|Signal/.test(line)) ?? 'see its log'}` });
  }
  await server.stop();
  return verdicts;
}

beforeAll(async () => {
  root = makeTempDir('ctm-triton-validate-');
  repository = path.join(root, 'corpus');
  const specs = path.join(root, 'specs');
  fs.mkdirSync(specs);
  const documented = [...Object.keys(HOST_DEPENDENT), ...MODES.flatMap((mode) => Object.keys(KNOWN_DIFFERENCES[mode]))];
  const fuzzed = await fuzzCorpus(specs, BASE_CONFIG, TORCH, documented);
  fuzzed.forEach((testCase, index) => fuzzMode.set(testCase.id, MODES[index % MODES.length]!));
  cases = [...CORPUS, ...fuzzed];
  for (const testCase of cases) writeCase(testCase);
  for (const mode of MODES) {
    validateErrors[mode] = await runValidate(mode);
    triton[mode] = await loadAll(mode);
  }
}, 1_800_000);

afterAll(async () => {
  for (const server of Object.values(servers)) await server?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

function rows(mode: Mode) {
  return casesOf(mode).map((testCase) => {
    const verdict = triton[mode]!.get(testCase.id)!;
    const errors = validateErrors[mode]!.get(testCase.id)!;
    return { ...testCase, loaded: verdict.loaded, triton: verdict.message, validate: errors, agree: verdict.loaded === (errors.length === 0) };
  });
}

describe.each(MODES)('validate and Triton, %s', (mode) => {
  it('the corpus is worth comparing: Triton loads some cases and refuses others, over every rule', () => {
    const all = rows(mode);
    expect(all.filter((r) => r.loaded).length).toBeGreaterThan(30);
    expect(all.filter((r) => !r.loaded).length).toBeGreaterThan(30);
    expect(all.find((r) => r.id === 'base')?.loaded).toBe(true);
  });

  it('agree on every case but the documented ones (the table is printed)', () => {
    const all = rows(mode);
    const byRule = new Map<string, { cases: number; agree: number }>();
    for (const row of all) {
      const entry = byRule.get(row.rule) ?? { cases: 0, agree: 0 };
      entry.cases++;
      if (row.agree) entry.agree++;
      byRule.set(row.rule, entry);
    }
    const agree = all.filter((r) => r.agree).length;
    const lines = [
      `validate vs Triton 2.51.0, ${mode}: ${all.length} cases (${all.filter((r) => fuzzMode.has(r.id)).length} of ${FUZZ_CASES} fuzzed, seed ${FUZZ_SEED}), ${agree} agree (${((100 * agree) / all.length).toFixed(1)}%)`,
      ...[...byRule].sort(([a], [b]) => a.localeCompare(b)).map(([rule, { cases, agree: ok }]) => `  ${rule.padEnd(26)} ${String(cases).padStart(3)} cases  ${ok === cases ? 'all agree' : `${cases - ok} disagree`}`),
    ];
    const known = KNOWN_DIFFERENCES[mode];
    for (const row of all.filter((r) => !r.agree && (r.id in known || r.id in HOST_DEPENDENT))) {
      lines.push(`  known difference: ${row.id}: ${known[row.id] ?? HOST_DEPENDENT[row.id]}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    const unexpected = all
      .filter((r) => !r.agree && !(r.id in known) && !(r.id in HOST_DEPENDENT))
      .map(
        (r) =>
          `${r.id} (${r.rule}${r.fuzzNote ? `: ${r.fuzzNote}` : ''}): Triton ${r.loaded ? 'loads it' : `refuses: ${r.triton}`}; validate ${r.validate.length === 0 ? 'finds no error' : `errors: ${r.validate.join(' | ')}`}` +
          (r.rule.startsWith('fuzz') ? `\n${fs.readFileSync(path.join(repository, r.id, 'config.pbtxt'), 'utf8')}` : ''),
      );
    const fixed = Object.keys(known).filter((id) => all.find((r) => r.id === id)?.agree);
    expect(unexpected).toEqual([]);
    expect(fixed, 'documented differences that no longer differ').toEqual([]);
  });
});
