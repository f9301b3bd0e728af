/** Run Python helpers with Debian's interpreter: one process for many projects, JSON in and out. */

import { execa } from 'execa';
import path from 'node:path';
import { ROOT, TEST_PYTHON } from './cli.js';
import { modelConfigProtoDir } from './model-config-proto.js';

export async function runPythonJson<T>(script: string, payload: unknown, timeout = 120_000): Promise<T> {
  const result = await execa(TEST_PYTHON, [path.join(ROOT, 'test/helpers', script)], {
    input: JSON.stringify(payload),
    reject: false,
    timeout,
    env: { PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (result.exitCode !== 0) throw new Error(`${script} failed (${result.exitCode}):\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(String(result.stdout)) as T;
}

export interface ParsedConfig {
  file: string;
  ok: boolean;
  error?: string;
  /** protobuf's MessageToDict with proto field names; int64 as strings, as protobuf's JSON does. */
  message?: Record<string, unknown>;
}

/** Parse config.pbtxt files with protobuf's own text-format parser against model_config.proto (generated from our schema table). */
export function parseConfigsWithProtobuf(files: string[]): Promise<ParsedConfig[]> {
  return runPythonJson<ParsedConfig[]>('parse_configs.py', { proto: path.join(modelConfigProtoDir(), 'model_config.proto'), files });
}
