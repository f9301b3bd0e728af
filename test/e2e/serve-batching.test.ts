/**
 * serve's dynamic batcher: with dynamic_batching and max_batch_size > 0, requests waiting while the
 * model is busy reach one execute() call, as Triton's batcher gathers them; requests whose shapes past
 * the batch dimension differ, or more rows than max_batch_size, are not put together; a model without
 * dynamic_batching gets one request per call. Each model answers with how many requests its call got
 * (and sleeps, so that the others queue meanwhile).
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/cli.js';
import { killAllServers, startServe, type Served } from '../helpers/serve.js';

const MODEL_PY = `import time

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        time.sleep(0.5)
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "x").as_numpy()
            calls = np.full((x.shape[0], 1), len(requests), dtype=np.int32)
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("calls", calls), pb_utils.Tensor("y", x)]))
        return responses
`;

function writeModel(repository: string, name: string, batching: string, maxBatchSize: number): void {
  fs.mkdirSync(path.join(repository, name, '1'), { recursive: true });
  fs.writeFileSync(path.join(repository, name, '1', 'model.py'), MODEL_PY);
  fs.writeFileSync(
    path.join(repository, name, 'config.pbtxt'),
    `name: "${name}"\nbackend: "python"\nmax_batch_size: ${maxBatchSize}\n${batching}` +
      'input [ { name: "x" data_type: TYPE_FP32 dims: [ -1 ] } ]\n' +
      'output [ { name: "y" data_type: TYPE_FP32 dims: [ -1 ] }, { name: "calls" data_type: TYPE_INT32 dims: [ 1 ] } ]\n' +
      'instance_group [ { count: 1 kind: KIND_CPU } ]\n',
  );
}

let root: string;
let server: Served;
beforeAll(async () => {
  root = makeTempDir('ctm-serve-batching-');
  const repository = path.join(root, 'models');
  writeModel(repository, 'batched', 'dynamic_batching { }\n', 4);
  writeModel(repository, 'unbatched', '', 4);
  server = await startServe([repository], { cwd: root });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  killAllServers();
  fs.rmSync(root, { recursive: true, force: true });
});

interface Answer {
  status: number;
  calls: number;
  y: number[];
}

async function infer(model: string, rows: number[][]): Promise<Answer> {
  const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [rows.length, rows[0]!.length], data: rows.flat() }] };
  const response = await fetch(`${server.url}/v2/models/${model}/infer`, { method: 'POST', body: JSON.stringify(body) });
  const json = (await response.json()) as { outputs: { name: string; data: number[] }[] };
  const output = (name: string) => json.outputs.find((o) => o.name === name)!.data;
  return { status: response.status, calls: output('calls')[0]!, y: output('y') };
}

/** One request first, so that the model is busy (of a shape no other request has: it is never batched with them); then `rest` at once, which queue behind it. */
async function busyThen(model: string, rest: number[][][]): Promise<Answer[]> {
  const first = infer(model, [[0, 0, 0, 0, 0]]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  return Promise.all([first, ...rest.map((rows) => infer(model, rows))]);
}

describe('serve --dynamic batching', () => {
  it('hands the requests waiting behind a busy model to one execute() call, each getting its own rows back', async () => {
    const rest = [1, 2, 3].map((i) => [[i, i * 10]]);
    const answers = await busyThen('batched', rest);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.map((a) => a.y)).toEqual([[0, 0, 0, 0, 0], ...rest.map((rows) => rows.flat())]);
    expect(answers[0]!.calls).toBe(1);
    // The three that waited went in one call (on a loaded machine at least two of them did).
    expect(Math.max(...answers.slice(1).map((a) => a.calls))).toBeGreaterThan(1);
  });

  it('never puts more rows than max_batch_size in one call, nor requests whose shapes differ past the batch dimension', async () => {
    const rows = await busyThen('batched', [[[1, 1], [2, 2], [3, 3]], [[4, 4], [5, 5]]]);
    expect(rows.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(rows.slice(1).map((a) => a.calls)).toEqual([1, 1]);
    const shapes = await busyThen('batched', [[[1, 1]], [[2, 2, 2]]]);
    expect(shapes.map((a) => [a.status, a.y])).toEqual([[200, [0, 0, 0, 0, 0]], [200, [1, 1]], [200, [2, 2, 2]]]);
    expect(shapes.slice(1).map((a) => a.calls)).toEqual([1, 1]);
  });

  it('a model without dynamic_batching gets one request per call', async () => {
    const answers = await busyThen('unbatched', [1, 2, 3].map((i) => [[i, i]]));
    expect(answers.map((a) => [a.status, a.calls])).toEqual([200, 200, 200, 200].map((status) => [status, 1]));
  });
});
