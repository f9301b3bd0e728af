/**
 * Bad input: one line naming the field, the value and what is allowed; exit 1; nothing written;
 * no stack trace. Each case runs the real CLI in its own folder and compares the folder before/after.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, makeTempDir, runCli } from '../helpers/cli.js';

interface Case {
  why: string;
  args: string[];
  message: RegExp;
  /** Files the case needs before the run (relative path -> content). */
  files?: Record<string, string | Buffer>;
  /** The args name the project folder themselves (no "project" positional added). */
  ownDirectory?: boolean;
  exitCode?: number;
}

const ALL_TYPES = 'BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, STRING, BF16';

const CASES: Case[] = [
  { why: 'unknown data type', args: ['--input', 'x:FP33:1'], message: new RegExp(`^--input "x:FP33:1": unknown data type FP33 \\(allowed: ${ALL_TYPES}\\)$`) },
  { why: 'tensor spec without dims', args: ['--input', 'x:FP32'], message: /^--input "x:FP32": expected name:TYPE:dims, e\.g\. image:UINT8:-1,-1,3$/ },
  { why: 'empty dims', args: ['--input', 'x:FP32:'], message: /^--input "x:FP32:": dims must list at least one dimension/ },
  { why: 'non-numeric dims', args: ['--output', 'y:FP32:3,abc'], message: /^--output "y:FP32:3,abc": dimension abc is not an integer \(allowed: integers >= 1, or -1 for a variable size\)$/ },
  { why: 'a dim of 0', args: ['--input', 'x:FP32:0'], message: /^--input "x:FP32:0": dimension 0 is not allowed \(allowed: integers >= 1, or -1/ },
  { why: 'a dim below -1', args: ['--input', 'x:INT8:-2,4'], message: /^--input "x:INT8:-2,4": dimension -2 is not allowed/ },
  { why: 'an empty dim between commas', args: ['--input', 'x:INT8:2,,4'], message: /^--input "x:INT8:2,,4": dimension \(empty\) is not an integer/ },
  { why: 'duplicate input names', args: ['--input', 'a:FP32:1', '--input', 'a:INT32:2', '--output', 'b:FP32:1'], message: /^--input "a:INT32:2": tensor name "a" is already used by another input \(names must be unique across inputs and outputs\)$/ },
  { why: 'a name shared by an input and an output', args: ['--input', 'a:FP32:1', '--output', 'a:FP32:1'], message: /^--output "a:FP32:1": tensor name "a" is already used by an input/ },
  { why: 'a bad tensor name', args: ['--input', '9lives:FP32:1'], message: /^--input "9lives:FP32:1": not a valid tensor name \(allowed: letters, digits, "_", "-", "\.", starting with a letter or "_"\)$/ },
  { why: 'negative batch size', args: ['--max-batch-size', '-1'], message: /^--max-batch-size "-1": must be an integer from 0 to 2147483647 \(Triton's max_batch_size is an int32; 0 disables batching\)$/ },
  { why: 'non-integer batch size', args: ['--max-batch-size', '2.5'], message: /^--max-batch-size "2\.5": must be an integer from 0 to 2147483647/ },
  { why: 'model name with a space', args: ['--name', 'my model'], message: /^--name "my model": not a valid model name \(allowed: letters, digits, "_", "-", "\.", starting with a letter or digit\)$/ },
  { why: 'model name escaping the folder', args: ['--name', '../evil'], message: /^--name "\.\.\/evil": not a valid model name/ },
  { why: 'model name starting with a dash', args: ['--name=-x'], message: /^--name "-x": not a valid model name/ },
  { why: 'model name reserved by Triton', args: ['--name', 'stats'], message: /^--name "stats": is reserved by Triton's statistics endpoint/ },
  { why: 'model name too long', args: ['--name', 'm'.repeat(200)], message: /^--name "m{60}…": is 200 characters long \(allowed: at most 128\)$/ },
  { why: 'missing asset file', args: ['--asset', 'nope.bin'], message: /^--asset "nope\.bin": no such file or folder$/ },
  { why: 'two assets with one name', args: ['--asset', 'a/w.bin', '--asset', 'b/w.bin'], files: { 'a/w.bin': '1', 'b/w.bin': '2' }, message: /^--asset "b\/w\.bin": both this and "a\/w\.bin" would be copied to assets\/w\.bin of the model \(rename one\)$/ },
  { why: 'image-stub with other tensors', args: ['--template', 'image-stub', '--input', 'x:FP32:1'], message: /^--input "x:FP32:1": template image-stub has fixed tensors prompt:STRING:1 -> image:UINT8:-1,-1,3 \(use --template blank for other tensors\)$/ },
  { why: 'unknown template', args: ['--template', 'resnet'], message: /^--template "resnet": unknown template \(allowed: image-stub, blank, decoupled, ensemble, bls\)$/ },
  { why: 'a model tensor for a template of one model', args: ['--template', 'blank', '--model-input', 'x:FP32:4'], message: /^--model-input "x:FP32:4": only --template ensemble and bls have a model between the client's tensors \(template blank\)$/ },
  {
    why: "an ensemble tensor named like another (one namespace for the ensemble's tensors)",
    args: ['--template', 'ensemble', '--model-input', 'raw:FP32:4'],
    message: /^--model-input "raw:FP32:4": tensor name "raw" is already used by an input \(names must be unique across inputs, outputs, model inputs and model outputs \(the ensemble passes them all by name\)\)$/,
  },
  { why: 'a model input twice in a BLS pipeline', args: ['--template', 'bls', '--model-input', 'a:FP32:1', '--model-output', 'a:FP32:1'], message: /^--model-output "a:FP32:1": tensor name "a" is already used by a model input/ },
  { why: 'an optional input in an ensemble', args: ['--template', 'ensemble', '--input', 'a:FP32:1', '--input', 'b:FP32:1', '--optional-input', 'b'], message: /^--optional-input "b": optional inputs and reshape are not supported with --template ensemble/ },
  { why: 'a pipeline name with no room for its suffixes', args: ['--template', 'bls', '--name', 'p'.repeat(120)], message: /^--name "p{60}…": is 120 characters long \(allowed: at most 116 for --template bls, whose models add a suffix such as _postprocess\)$/ },
  { why: 'a spec file model tensor with reshape', args: ['--from', 's.json'], files: { 's.json': '{"template": "ensemble", "modelInputs": [{"name": "f", "dataType": "FP32", "dims": [4], "reshape": [2, 2]}]}' }, message: /^s\.json: modelInputs\[0\] .*: optional and reshape apply to the client's inputs and outputs only$/ },
  { why: 'floating image tag', args: ['--triton-version', 'latest'], message: /^--triton-version "latest": not an NGC release tag \(allowed: YY\.MM, e\.g\. \d\d\.\d\d\)$/ },
  { why: 'too old image', args: ['--triton-version', '22.12'], message: /^--triton-version "22\.12": is older than 23\.10/ },
  { why: 'month 13', args: ['--triton-version', '24.13'], message: /^--triton-version "24\.13": not an NGC release tag/ },
  { why: 'requirement that smuggles a pip option on a second line', args: ['-r', 'torch==2.4.0\n--index-url http://evil'], message: /^--requirement "torch==2\.4\.0\\n--index-url http:\/\/evil": contains a control character or line break/ },
  { why: 'pip option as a requirement', args: ['-r=--extra-index-url=http://x'], message: /^--requirement "--extra-index-url=http:\/\/x": pip options are not accepted here/ },
  { why: 'not a PEP 508 line', args: ['-r', 'torch = = 2'], message: /^--requirement "torch = = 2": not a PEP 508 requirement/ },
  { why: 'credentials in a requirement URL', args: ['-r', 'pkg @ https://user:secret@example.com/pkg.whl'], message: /^--requirement ".*": holds credentials in its URL/ },
  { why: 'bad line in a requirements file', args: ['--requirements-file', 'reqs.txt'], files: { 'reqs.txt': '# ok\nnumpy<2\n\nnot valid !!\n' }, message: /^--requirements-file reqs\.txt:4 "not valid !!": not a PEP 508 requirement/ },
  { why: 'the same package twice', args: ['-r', 'torch==2.4.0', '-r', 'Torch>=2'], message: /^--requirement "Torch>=2": torch is required twice/ },
  { why: 'unknown instance kind', args: ['--instance-kind', 'tpu'], message: /^--instance-kind "tpu": unknown instance kind \(allowed: cpu, gpu, auto\)$/ },
  { why: 'zero instances', args: ['--instance-count', '0'], message: /^--instance-count "0": must be an integer from 1 to 2147483647$/ },
  { why: 'model version 0', args: ['--model-version', '0'], message: /^--model-version "0": must be a positive integer/ },
  { why: 'a directory with a newline', args: ['bad\nname'], ownDirectory: true, message: /^\[directory\] "bad\\nname": contains a control character/ },
  { why: 'spec file with an unknown field', args: ['--from', 's.json'], files: { 's.json': '{"name": "m", "batch": 4}' }, message: /^s\.json: unknown field "batch" \(allowed: name, template, maxBatchSize, inputs, outputs, modelInputs, modelOutputs/ },
  { why: 'spec file with a bad tensor', args: ['--from', 's.json'], files: { 's.json': '{"inputs": [{"name": "x", "dataType": "FP33", "dims": [1]}]}' }, message: /^s\.json: inputs\[0\]\.dataType "FP33": unknown data type FP33/ },
  { why: 'spec file with a bad batch size', args: ['--from', 's.yaml'], files: { 's.yaml': 'maxBatchSize: -3\n' }, message: /^s\.yaml: maxBatchSize "-3": must be an integer from 0 to 2147483647/ },
  { why: 'spec file that is not JSON', args: ['--from', 's.json'], files: { 's.json': '{"name": ' }, message: /^--from s\.json: not valid JSON/ },
  { why: 'spec file that is not UTF-8', args: ['--from', 's.yaml'], files: { 's.yaml': Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x0a]) }, message: /^--from s\.yaml: not valid UTF-8 text$/ },
  { why: 'spec file that is missing', args: ['--from', 'missing.json'], message: /^--from "missing\.json": cannot read this file$/ },
  { why: 'spec file that is a list', args: ['--from', 's.yaml'], files: { 's.yaml': '- a\n- b\n' }, message: /^--from s\.yaml: expected an object with the spec fields/ },
  // PEP 508, with the column of the fault (issue 14).
  { why: 'a shell command after ";"', args: ['-r', 'numpy; touch PWNED'], message: /^--requirement "numpy; touch PWNED": not a PEP 508 requirement: column 8: expected a marker variable \(python_version, .*\) or a quoted string, found "touch" \(e\.g\. / },
  { why: 'a marker that is not one', args: ['-r', 'numpy; foo bar'], message: /^--requirement "numpy; foo bar": not a PEP 508 requirement: column 8: expected a marker variable .* found "foo"/ },
  { why: 'a marker with junk after it', args: ['-r', 'scipy>=1.10; python_version >= "3.10" && true'], message: /^--requirement "scipy>=1\.10; python_version >= \\"3\.10\\" && true": not a PEP 508 requirement: column 39: expected "and", "or" or the end of the marker, found "&"/ },
  // Integers beyond 2^53, shown as written, not rounded (issue 14).
  { why: 'a spec file batch size beyond 2^53', args: ['--from', 's.json'], files: { 's.json': '{"maxBatchSize": 9007199254740993}' }, message: /^s\.json: maxBatchSize "9007199254740993": must be an integer from 0 to 2147483647 / },
  { why: 'a spec file dim beyond 2^53 (JSON)', args: ['--from', 's.json'], files: { 's.json': '{"template": "blank", "inputs": [{"name": "x", "dataType": "FP32", "dims": [2, 9007199254740993]}]}' }, message: /^s\.json: inputs\[0\]\.dims "\[2,9007199254740993\]": dimension 9007199254740993 is too large \(allowed: at most 9007199254740991; / },
  { why: 'a spec file dim beyond 2^53 (YAML)', args: ['--from', 's.yaml'], files: { 's.yaml': 'template: blank\ninputs:\n  - {name: x, dataType: FP32, dims: [9223372036854775807]}\n' }, message: /^s\.yaml: inputs\[0\]\.dims "\[9223372036854775807\]": dimension 9223372036854775807 is too large / },
  { why: 'a dim flag beyond int64', args: ['--input', 'x:FP32:9223372036854775808'], message: /^--input "x:FP32:9223372036854775808": dimension 9223372036854775808 is too large / },
  { why: 'BF16 on a release whose Python backend cannot load it', args: ['--input', 'x:BF16:2', '--triton-version', '24.07'], message: /^--input "x:BF16:2": BF16 tensors need Triton 24\.08 or later/ },
  { why: 'a flag given twice that takes one value', args: ['--name', 'a', '--name', 'b'], exitCode: 2, message: /^--name was given 2 times \(give it once\)$/ },
];

let root: string;
beforeAll(() => {
  root = makeTempDir('ctm-bad-');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('bad input is refused with one line, exit 1 and nothing written', () => {
  it.each(CASES.map((c) => [c.why, c] as const))('%s', async (_, testCase) => {
    const cwd = fs.mkdtempSync(path.join(root, 'case-'));
    for (const [file, content] of Object.entries(testCase.files ?? {})) {
      fs.mkdirSync(path.dirname(path.join(cwd, file)), { recursive: true });
      fs.writeFileSync(path.join(cwd, file), content);
    }
    const before = listTree(cwd);
    const result = await runCli([...(testCase.ownDirectory ? [] : ['project']), ...testCase.args, '--yes'], { cwd });
    expect(result.exitCode, result.stderr).toBe(testCase.exitCode ?? 1);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith('error: ')).toBe(true);
    expect(lines[0]!.slice('error: '.length)).toMatch(testCase.message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
    expect(listTree(cwd)).toEqual(before);
  });
});
