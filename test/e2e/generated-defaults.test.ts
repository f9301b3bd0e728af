/**
 * What generated files promise each other and the server, checked against a running `serve`:
 * - the decoupled template's default tensors are text_input / text_output (the names of Triton's
 *   generate extension and its streaming clients), the same in config.pbtxt, model.py, client.py
 *   and the README, whose curl line streams an answer;
 * - the Dockerfile's HEALTHCHECK command (the image's python3 and urllib, no curl) succeeds when every
 *   model is ready, and fails when one is not or nothing answers.
 */

import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../helpers/ports.js';
import { makeTempDir, readText, runCli, TEST_PYTHON } from '../helpers/cli.js';
import { killAllServers, startServe, type Served } from '../helpers/serve.js';

let root: string;
let project: string;
let served: Served;
beforeAll(async () => {
  root = makeTempDir('ctm-defaults-');
  const created = await runCli(['stream', '--template', 'decoupled', '--yes'], { cwd: root });
  expect(created.exitCode, created.stderr).toBe(0);
  project = path.join(root, 'stream');
  served = await startServe(['stream'], { cwd: root });
  await served.waitFor(/listening on/, 60_000);
}, 90_000);
afterAll(() => {
  killAllServers();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Server-sent events' data, parsed. */
const events = (body: string) =>
  body
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);

describe('the decoupled template by default', () => {
  it('declares text_input and text_output, and every generated file agrees', () => {
    const config = readText(project, 'models/my_stream_model/config.pbtxt');
    expect([...config.matchAll(/^ {4}name: "(\w+)"$/gm)].map((m) => m[1])).toEqual(['text_input', 'text_output']);
    expect(readText(project, 'models/my_stream_model/1/model.py')).toContain('INPUT_NAMES: tuple[str, ...] = ("text_input",)\nOUTPUT_NAMES: tuple[str, ...] = ("text_output",)');
    const client = readText(project, 'client.py');
    expect(client).toContain('OUTPUT_NAMES = ["text_output"]');
    expect(client).toContain('grpcclient.InferInput("text_input", list(data.shape), "BYTES")');
    const readme = readText(project, 'README.md');
    expect(readme).toContain('| `text_input` | input | `TYPE_STRING` | `BYTES` | `[1]` | `[1]` |');
    expect(readme).toContain('| `text_output` | output | `TYPE_STRING` | `BYTES` | `[1]` | `[1]` |');
  });

  it("streams its answers to the README's curl request, as text_output", async () => {
    const body = /^curl -s localhost:8000\/v2\/models\/my_stream_model\/generate_stream -d '(.*)'$/m.exec(readText(project, 'README.md'))?.[1];
    expect(body).toBe('{"text_input":"hello"}');
    const response = await fetch(`${served.url}/v2/models/my_stream_model/generate_stream`, { method: 'POST', body, signal: AbortSignal.timeout(30_000) });
    expect(response.status).toBe(200);
    expect(events(await response.text())).toEqual([1, 2, 3].map((step) => ({ model_name: 'my_stream_model', model_version: '1', text_output: `response ${step} of 3` })));
  });
});

describe("the Dockerfile's HEALTHCHECK", () => {
  /** The command the HEALTHCHECK runs (exec form), pointed at `port` instead of the container's 8000. */
  const healthcheck = (port: number): string[] => {
    const dockerfile = readText(project, 'Dockerfile');
    const json = /^HEALTHCHECK [^\n]*\\\n\s+CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(json, dockerfile).toBeDefined();
    const command = JSON.parse(json!) as string[];
    expect(command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(command[2]).toContain("'http://127.0.0.1:8000/v2/health/ready'");
    return [command[2]!.replace('127.0.0.1:8000', `127.0.0.1:${port}`)];
  };
  const run = (port: number) => execa(TEST_PYTHON, ['-c', ...healthcheck(port)], { reject: false, timeout: 30_000 });

  it('succeeds when every model is ready', async () => {
    const port = Number(new URL(served.url).port);
    const result = await run(port);
    expect(result.exitCode, String(result.stderr)).toBe(0);
  });

  it('fails when a model is not ready, and when nothing answers', async () => {
    // A second model whose initialize raises: the server answers, but /v2/health/ready is 400.
    const broken = path.join(root, 'broken');
    expect((await runCli(['broken', '--template', 'blank', '--name', 'good', '--yes'], { cwd: root })).exitCode).toBe(0);
    expect((await runCli(['add-model', 'broken', '--template', 'blank', '--name', 'bad', '--yes'], { cwd: root })).exitCode).toBe(0);
    fs.appendFileSync(path.join(broken, 'models/bad/1/model.py'), '\n\ndef _fail(self, args):\n    raise RuntimeError("broken on purpose")\n\n\nTritonPythonModel.initialize = _fail\n');
    const half = await startServe(['broken'], { cwd: root });
    await half.waitFor(/listening on/, 60_000);
    const notReady = await run(Number(new URL(half.url).port));
    expect(notReady.exitCode).toBe(1);
    expect(String(notReady.stderr)).toMatch(/HTTP Error 400/);
    await half.stop('SIGINT');

    const [closed] = await freePorts(1);
    const nothing = await run(closed!);
    expect(nothing.exitCode).toBe(1);
    expect(String(nothing.stderr)).toMatch(/Connection refused/);
  });
});
