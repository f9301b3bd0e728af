/** Helpers for tests that edit generated projects and serve them in real Triton. */

import { runPythonJson } from './python.js';
import type { TritonServer } from './triton.js';

/** The placeholder block a generated method returns: an optional pass-through note, the TODO, the dict. */
const placeholders = (todo: string) =>
  new RegExp(`^( +)(?:# Placeholders: .*\\n\\1)?# TODO: replace these placeholders with ${todo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\n\\1return \\{\\n(?:\\1 {4}.*\\n)*\\1\\}\\n`, 'm');

/**
 * model.py with the placeholder outputs of compute() replaced by `lines` (Python statements at
 * compute's body indentation): the first edit a user makes to a generated blank model. `todo` picks
 * another method of the same shape: a BLS caller's prepare() ("your preprocessing") or finish()
 * ("your postprocessing").
 */
export function replaceCompute(source: string, lines: string[], todo = "your model's outputs"): string {
  const pattern = placeholders(todo);
  const match = pattern.exec(source);
  if (!match) throw new Error(`model.py has no placeholder block "${todo}" to replace (the template changed)`);
  const indent = match[1] as string;
  return source.replace(pattern, lines.map((line) => `${indent}${line}\n`).join(''));
}

/** One response as test/helpers/triton_compare.py describes it: outputs (data comparable across the three), or an error with its code. */
export interface Answer {
  outputs?: Record<string, { datatype: string; shape: number[]; data: unknown }>;
  error?: string;
  code?: string;
  final?: boolean;
}

export interface Compared {
  id: string;
  inputs: Record<string, { datatype: string; shape: number[]; data: unknown }>;
  fake: Answer[];
  http: Answer[];
  grpc: Answer[];
}

/** The sample inputs (some replaced by `values`), with a batch dimension of `batch_size` when the model batches. */
export interface CompareCase {
  id: string;
  batch_size: number | null;
  values?: Record<string, (number | string)[]>;
}

/** What the project's own fake pb_utils, Triton's HTTP and Triton's gRPC answer to the same inputs (test/helpers/triton_compare.py). */
export async function compareThreeWays(triton: TritonServer, projectDir: string, model: string, cases: CompareCase[]): Promise<Compared[]> {
  const payload = { project: projectDir, model, http: triton.httpUrl.replace('http://', ''), grpc: triton.grpcAddress, cases };
  const { cases: compared } = await runPythonJson<{ cases: Compared[] }>('triton_compare.py', payload, 180_000);
  return compared;
}
