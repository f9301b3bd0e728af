/**
 * Our text-format parser against the one inside Triton: every config text of the invalid corpus
 * (test/fixtures/pbtxt/invalid-cases.ts) loaded by real Triton, one model each, in explicit model-control
 * mode. Triton must refuse each one, and the first error its protobuf logs must be the one the corpus
 * lists (which test/unit/pbtxt.corpus.test.ts also holds protoc and our own parser to). Invalid UTF-8 in
 * a string is the exception: protobuf does not stop there.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVALID_CASES } from '../fixtures/pbtxt/invalid-cases.js';
import { makeTempDir } from '../helpers/cli.js';
import { showLogOnFailure, startTriton, type TritonServer } from '../helpers/triton.js';

let root: string;
let triton: TritonServer;
const folder = (index: number) => `case_${String(index).padStart(3, '0')}`;

interface Verdict {
  status: number;
  body: string;
  /** The first "Error parsing text-format" line Triton's protobuf logged for this load, as `line:column: message`. */
  parseError?: string;
}
const verdicts: Verdict[] = [];

showLogOnFailure(() => triton);

beforeAll(async () => {
  root = makeTempDir('ctm-triton-pbtxt-');
  INVALID_CASES.forEach(({ text }, index) => {
    fs.mkdirSync(path.join(root, folder(index), '1'), { recursive: true });
    fs.writeFileSync(path.join(root, folder(index), 'config.pbtxt'), text);
    fs.writeFileSync(path.join(root, folder(index), '1', 'model.py'), 'class TritonPythonModel:\n    pass\n');
  });
  triton = await startTriton({ repositories: [root], modelControl: 'explicit' });
  for (const index of INVALID_CASES.keys()) {
    const before = triton.log().length;
    const { status, body } = await triton.loadModel(folder(index));
    // The answer can come before protobuf's lines reach the log: wait for the line that ends this load.
    const name = folder(index);
    const end = new RegExp(`Poll failed for model directory '${name}'|successfully loaded '${name}'|failed to load '${name}'`);
    await triton.waitForLog(end, 30_000, before);
    const logged = triton.log().slice(before);
    const parseError = /Error parsing text-format inference\.ModelConfig: (.*)$/m.exec(logged)?.[1];
    verdicts.push({ status, body, ...(parseError ? { parseError } : {}) });
  }
}, 300_000);

afterAll(async () => {
  await triton?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe.each(INVALID_CASES.map((testCase, index) => ({ ...testCase, index })))('$name', ({ protoc, index }) => {
  if (protoc === 'invalid UTF-8') {
    // protobuf keeps the bytes and at most logs them (when it serialises the message): whether the model
    // loads depends on the rest of the config (a lone surrogate in a parameter key loads).
    it('Triton reads the config on: invalid UTF-8 is no parse error', () => {
      expect(verdicts[index]!.parseError).toBeUndefined();
    });
  } else {
    it("is refused by Triton, whose first parse error is the corpus's", () => {
      const verdict = verdicts[index]!;
      expect(verdict.status).toBe(500);
      expect(JSON.parse(verdict.body).error).toBe(`failed to load '${folder(index)}', failed to poll from model repository`);
      expect(verdict.parseError).toBe(protoc);
    });
  }
});
