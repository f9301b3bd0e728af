/**
 * The generator end to end: spawn the built CLI in temporary folders and read what it wrote.
 * config.pbtxt files are judged by protobuf's own text-format parser against model_config.proto.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_TYPES } from '../../src/model-spec/dtypes.js';
import { listTree, makeTempDir, readText, runCli, TEMPLATES, type CliResult } from '../helpers/cli.js';
import { parseConfigsWithProtobuf, type ParsedConfig } from '../helpers/python.js';

let work: string;
beforeAll(() => {
  work = makeTempDir('ctm-create-');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A config as protobuf parsed it, with proto3's omitted zero values and int64-as-string undone. */
function normalized(parsed: ParsedConfig): Record<string, any> {
  expect(parsed.error).toBeUndefined();
  const message = parsed.message as Record<string, any>;
  const tensor = (t: any) => ({ name: t.name, data_type: t.data_type, dims: (t.dims ?? []).map(Number) });
  return {
    ...message,
    max_batch_size: message.max_batch_size ?? 0,
    input: (message.input ?? []).map(tensor),
    output: (message.output ?? []).map(tensor),
  };
}

describe('create --yes (the built-in example)', () => {
  let result: CliResult;
  let project: string;
  beforeAll(async () => {
    result = await runCli(['demo', '--yes'], { cwd: work });
    project = path.join(work, 'demo');
  });

  it('exits 0, says which defaults it used in one line, and prints the next steps', () => {
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const defaultsLines = result.stdout.split('\n').filter((l) => l.startsWith('Using defaults:'));
    expect(defaultsLines).toHaveLength(1);
    expect(defaultsLines[0]).toContain('name=dumb_stub');
    expect(defaultsLines[0]).toContain('template=image-stub');
    expect(result.stdout).toContain('Next steps:');
    expect(result.stdout).toContain('cd demo');
    // Run as `node .../bin/create-triton-model.js`: the next steps say so (test/unit/ui.test.ts and test/e2e/package.test.ts have the other ways).
    expect(result.stdout).toMatch(/^ {2}node \S+\/bin\/create-triton-model\.js run +# build the image/m);
  });

  it('writes exactly the project layout', () => {
    expect(listTree(project)).toEqual([
      '.dockerignore',
      '.gitignore',
      '.vscode/',
      '.vscode/extensions.json',
      '.vscode/settings.json',
      'Dockerfile',
      'README.md',
      'assets/',
      'assets/image.jpg',
      'client.py',
      'constraints.txt',
      'models/',
      'models/dumb_stub/',
      'models/dumb_stub/1/',
      'models/dumb_stub/1/model.py',
      'models/dumb_stub/config.pbtxt',
      'pyrightconfig.json',
      'pytest.ini',
      'requirements.txt',
      'tests/',
      'tests/conftest.py',
      'tests/test_models.py',
      'tests/triton_fake/',
      'tests/triton_fake/harness.py',
      'tests/triton_fake/model_config.py',
      'tests/triton_fake/triton_python_backend_utils.py',
      'typings/',
      'typings/triton_python_backend_utils.pyi',
    ]);
    expect(fs.readFileSync(path.join(project, 'assets/image.jpg'))).toEqual(fs.readFileSync(path.join(TEMPLATES, 'image-stub/assets/image.jpg')));
  });

  it('writes the reference config, as protobuf parses it', async () => {
    const [parsed] = await parseConfigsWithProtobuf([path.join(project, 'models/dumb_stub/config.pbtxt')]);
    expect(normalized(parsed!)).toEqual({
      name: 'dumb_stub',
      backend: 'python',
      max_batch_size: 0,
      input: [{ name: 'prompt', data_type: 'TYPE_STRING', dims: [1] }],
      output: [{ name: 'image', data_type: 'TYPE_UINT8', dims: [-1, -1, 3] }],
      instance_group: [{ count: 1, kind: 'KIND_CPU' }],
      parameters: { assets_dir: { string_value: '../../assets' } },
    });
  });

  it('pins the requirement the stub imports and keeps numpy<2 as a separate constraint', () => {
    expect(readText(project, 'requirements.txt')).toBe('opencv-python-headless==4.10.0.82\n');
    expect(readText(project, 'constraints.txt').split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['numpy<2']);
  });

  it('writes a Dockerfile on a pinned Triton tag, dependencies before models, the three ports, a health check, an unprivileged user and the server command', () => {
    const lines = readText(project, 'Dockerfile')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines[0]).toMatch(/^FROM nvcr\.io\/nvidia\/tritonserver:\d{2}\.\d{2}-py3$/);
    const index = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const copyRequirements = index(/^COPY requirements\.txt constraints\.txt /);
    const pip = index(/^RUN pip install --no-cache-dir -r \S+requirements\.txt -c \S+constraints\.txt$/);
    // The models and assets belong to the image's unprivileged user (uid 1000 in NGC images)...
    const copyModels = index(/^COPY --chown=triton-server:triton-server models \/models$/);
    const copyAssets = index(/^COPY --chown=triton-server:triton-server assets \/assets$/);
    expect(copyRequirements).toBeGreaterThan(0);
    expect(pip).toBeGreaterThan(copyRequirements);
    expect(copyAssets).toBeGreaterThan(pip);
    expect(copyModels).toBeGreaterThan(pip);
    expect(lines).toContain('EXPOSE 8000 8001 8002');
    // ...which the server runs as; pip ran before, as root, so site-packages was writable.
    const user = index(/^USER /);
    expect(lines[user]).toBe('USER triton-server');
    expect(user).toBeGreaterThan(Math.max(pip, copyModels, copyAssets));
    expect(lines.filter((l) => /^USER /.test(l))).toHaveLength(1);
    // Health: Triton's readiness, asked with the image's python3 and urllib (no curl).
    const health = index(/^HEALTHCHECK /);
    expect(lines[health]).toMatch(/^HEALTHCHECK --interval=\d+s --timeout=\d+s --start-period=\d+s --retries=\d+ \\$/);
    expect(lines[health + 1]!.trim()).toBe(`CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/v2/health/ready', timeout=5)"]`);
    expect(readText(project, 'Dockerfile')).not.toMatch(/curl|wget/);
    expect(lines.at(-2)).toBe('USER triton-server');
    expect(lines.at(-1)).toBe('CMD ["tritonserver", "--model-repository=/models"]');
    expect(readText(project, 'Dockerfile')).not.toMatch(/latest|ARG|ENV .*(TOKEN|KEY|PASSWORD)/i);
  });

  it('keeps history, secrets, caches and environments out of the build context', () => {
    const ignored = readText(project, '.dockerignore').split('\n');
    for (const entry of ['.git', '.env', '.venv', '**/__pycache__', '.pytest_cache']) expect(ignored).toContain(entry);
  });

  it('writes a client that uses tritonclient.http with the declared tensors, and a README with the tensor table and commands', () => {
    const client = readText(project, 'client.py');
    expect(client).toContain('import tritonclient.http as httpclient');
    expect(client).toContain('httpclient.InferInput("prompt", list(data.shape), "BYTES")');
    expect(client).toContain('set_data_from_numpy');
    expect(client).toContain('result.as_numpy(name)');
    const readme = readText(project, 'README.md');
    expect(readme).toContain('| `prompt` | input | `TYPE_STRING` | `BYTES` | `[1]` | `[1]` |');
    expect(readme).toContain('| `image` | output | `TYPE_UINT8` | `UINT8` | `[-1, -1, 3]` | `[-1, -1, 3]` |');
    expect(readme).toContain('docker build -t demo .');
    expect(readme).toContain('docker run --rm --shm-size=1g -p 127.0.0.1:8000:8000 -p 127.0.0.1:8001:8001 -p 127.0.0.1:8002:8002 demo');
  });

  it('renders the same bytes twice (render is pure)', async () => {
    const again = await runCli(['demo2', '--yes'], { cwd: work });
    expect(again.exitCode).toBe(0);
    for (const file of ['models/dumb_stub/config.pbtxt', 'models/dumb_stub/1/model.py', 'Dockerfile', 'client.py']) {
      expect(readText(work, 'demo2', file)).toBe(readText(project, file));
    }
  });
});

describe('create with flags', () => {
  it('builds the project from the issue example: blank template, batching, requirement and asset', async () => {
    const dir = makeTempDir('ctm-flags-');
    fs.writeFileSync(path.join(dir, 'weights.pt'), 'fake weights');
    const result = await runCli(
      ['my-project', '--name', 'resnet', '--input', 'image:UINT8:-1,-1,3', '--output', 'probs:FP32:1000', '--requirement', 'torch==2.4.0', '--asset', './weights.pt', '--max-batch-size', '8'],
      { cwd: dir },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const project = path.join(dir, 'my-project');
    expect(readText(project, 'assets/weights.pt')).toBe('fake weights');
    expect(readText(project, 'requirements.txt')).toBe('torch==2.4.0\n');
    expect(fs.existsSync(path.join(project, 'models/resnet/1/model.py'))).toBe(true);
    const [parsed] = await parseConfigsWithProtobuf([path.join(project, 'models/resnet/config.pbtxt')]);
    const config = normalized(parsed!);
    expect(config.name).toBe('resnet');
    expect(config.max_batch_size).toBe(8);
    // The batch dimension is implicit: dims never list it.
    expect(config.input).toEqual([{ name: 'image', data_type: 'TYPE_UINT8', dims: [-1, -1, 3] }]);
    expect(config.output).toEqual([{ name: 'probs', data_type: 'TYPE_FP32', dims: [1000] }]);
    expect(readText(project, 'README.md')).toContain('| `image` | input | `TYPE_UINT8` | `UINT8` | `[-1, -1, 3]` | `[batch, -1, -1, 3]` |');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('accepts every data type, in every spelling, through flags and through --from, and both give the same config', async () => {
    const dir = makeTempDir('ctm-types-');
    const flagInputs = DATA_TYPES.map((t) => `in_${t.name.toLowerCase()}:${t.name}:2`);
    const flagOutputs = DATA_TYPES.map((t) => `out_${t.name.toLowerCase()}:TYPE_${t.name}:1,-1`);
    const byFlags = await runCli(['flags', '--max-batch-size', '3', ...flagInputs.flatMap((i) => ['--input', i]), ...flagOutputs.flatMap((o) => ['--output', o])], { cwd: dir });
    expect(byFlags.exitCode, byFlags.stderr).toBe(0);

    // The same tensors in a spec file, with lower-case and numpy spellings where they exist.
    const numpyName: Record<string, string> = { BOOL: 'bool', FP16: 'float16', FP32: 'float32', FP64: 'float64', STRING: 'bytes', BF16: 'bfloat16' };
    const spec = {
      maxBatchSize: 3,
      inputs: DATA_TYPES.map((t) => ({ name: `in_${t.name.toLowerCase()}`, dataType: numpyName[t.name] ?? t.name.toLowerCase(), dims: [2] })),
      outputs: DATA_TYPES.map((t) => ({ name: `out_${t.name.toLowerCase()}`, dataType: `type_${t.name.toLowerCase()}`, dims: '1,-1' })),
    };
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
    const byFile = await runCli(['from-file', '--from', 'spec.json'], { cwd: dir });
    expect(byFile.exitCode, byFile.stderr).toBe(0);

    const parsed = await parseConfigsWithProtobuf([path.join(dir, 'flags/models/my_model/config.pbtxt'), path.join(dir, 'from-file/models/my_model/config.pbtxt')]);
    const [fromFlags, fromFile] = parsed.map(normalized);
    expect(fromFlags!.input.map((t: any) => t.data_type)).toEqual(DATA_TYPES.map((t) => t.config));
    expect(fromFlags!.output.map((t: any) => t.dims)).toEqual(DATA_TYPES.map(() => [1, -1]));
    expect(fromFlags!.max_batch_size).toBe(3);
    expect(fromFile).toEqual(fromFlags);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lets flags override a YAML spec file field by field', async () => {
    const dir = makeTempDir('ctm-yaml-');
    fs.writeFileSync(
      path.join(dir, 'spec.yaml'),
      ['name: from_yaml', 'template: decoupled', 'maxBatchSize: 2', 'inputs:', '  - {name: tokens, dataType: int32, dims: [-1]}', 'outputs:', '  - "text:STRING:1"', 'requirements: [numpy<2]', 'tritonVersion: "24.08"', 'instanceKind: auto', 'instanceCount: 2', 'modelVersion: 3', ''].join('\n'),
    );
    const result = await runCli(['p', '--from', 'spec.yaml', '--name', 'overridden', '--json'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.spec).toMatchObject({
      name: 'overridden',
      template: 'decoupled',
      maxBatchSize: 2,
      inputs: [{ name: 'tokens', dataType: 'INT32', dims: [-1] }],
      outputs: [{ name: 'text', dataType: 'STRING', dims: [1] }],
      requirements: ['numpy<2'],
      tritonVersion: '24.08',
      instanceGroups: [{ kind: 'auto', count: 2 }],
      modelVersion: 3,
    });
    expect(output.files).toContain('models/overridden/3/model.py');
    const [parsed] = await parseConfigsWithProtobuf([path.join(dir, 'p/models/overridden/config.pbtxt')]);
    const config = normalized(parsed!);
    expect(config.instance_group).toEqual([{ count: 2 }]); // KIND_AUTO is the zero value: protobuf omits it
    expect(config.model_transaction_policy).toEqual({ decoupled: true });
    // Python 3.10 image: the Dockerfile says so.
    expect(readText(dir, 'p/Dockerfile')).toContain('FROM nvcr.io/nvidia/tritonserver:24.08-py3');
    expect(readText(dir, 'p/Dockerfile')).toContain('Python (3.10)');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--dry-run prints the tree and writes nothing; --json lists exactly the files written', async () => {
    const dir = makeTempDir('ctm-dry-');
    const dry = await runCli(['dry', '--yes', '--dry-run'], { cwd: dir });
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain('Would create dry');
    expect(dry.stdout).toContain('config.pbtxt');
    expect(listTree(dir)).toEqual([]);

    const json = await runCli(['real', '--yes', '--json', '--instance-kind', 'gpu'], { cwd: dir });
    expect(json.exitCode).toBe(0);
    const output = JSON.parse(json.stdout); // stdout is only the JSON object
    expect(output.dryRun).toBe(false);
    expect(output.directory).toBe(path.join(fs.realpathSync(dir), 'real'));
    expect(output.spec.instanceGroups).toEqual([{ kind: 'gpu', count: 1 }]);
    expect(output.files).toEqual(listTree(path.join(dir, 'real')).filter((p) => !p.endsWith('/')));
    expect(readText(dir, 'real/models/dumb_stub/config.pbtxt')).toMatch(/kind: KIND_GPU/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a non-empty folder without --force; with --force replaces generated files and keeps the user\'s', async () => {
    const dir = makeTempDir('ctm-force-');
    const project = path.join(dir, 'p');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'notes.txt'), 'mine');
    const refused = await runCli(['p', '--yes'], { cwd: dir });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^error: p: folder is not empty \(use --force/);
    expect(listTree(dir)).toEqual(['p/', 'p/notes.txt']);

    const forced = await runCli(['p', '--yes', '--force'], { cwd: dir });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(readText(project, 'notes.txt')).toBe('mine');
    fs.writeFileSync(path.join(project, 'Dockerfile'), 'edited');
    const again = await runCli(['p', '--yes', '--force'], { cwd: dir });
    expect(again.exitCode).toBe(0);
    expect(readText(project, 'Dockerfile')).toMatch(/^# Triton Inference Server image/);
    expect(readText(project, 'notes.txt')).toBe('mine');
    // No staging folder or lock file left beside the project.
    expect(fs.readdirSync(dir)).toEqual(['p']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes into an existing empty folder, and into "." ', async () => {
    const dir = makeTempDir('ctm-empty-');
    fs.mkdirSync(path.join(dir, 'empty'));
    const result = await runCli(['.', '--yes'], { cwd: path.join(dir, 'empty') });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'empty/models/dumb_stub/config.pbtxt'))).toBe(true);
    expect(result.stdout).not.toContain('cd .');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates missing parent folders only when the project is written', async () => {
    const dir = makeTempDir('ctm-nested-');
    const result = await runCli(['a/b/c', '--yes'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'a/b/c/Dockerfile'))).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['a']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('documents flags and exit codes in --help, prints the version, and exits 2 on a usage error', async () => {
    const help = await runCli(['--help'], { cwd: work });
    expect(help.exitCode).toBe(0);
    for (const flag of ['--name', '--template', '--input', '--output', '--max-batch-size', '--requirement', '--requirements-file', '--asset', '--triton-version', '--instance-kind', '--instance-count', '--model-version', '--from', '--yes', '--force', '--dry-run', '--json']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toMatch(/Exit codes: 0 ok, 1 invalid input or a failed step, 2 usage error, 130 interrupted/);
    const version = await runCli(['--version'], { cwd: work });
    expect(version.stdout.trim()).toBe(JSON.parse(readText(path.dirname(TEMPLATES), 'package.json')).version);
    const usage = await runCli(['x', '--yes', '--no-such-flag'], { cwd: work });
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(path.join(work, 'x'))).toBe(false);
  });
});
