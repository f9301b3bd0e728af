/**
 * serve's triton_python_backend_utils (the project's fake) takes what Triton's takes: the stand-ins
 * of python_backend's `bls`, `bls_decoupled` and `decoupled` examples (test/fixtures/validate/
 * python_backend: a model name read from a BYTES input and passed on as numpy bytes, `async def
 * execute` awaiting BLS calls together, responses sent from a thread, decoupled BLS calls whose last
 * response is empty) run under serve; and a model trying each argument form of Tensor,
 * InferenceRequest, InferenceResponse and TritonError gets, form by form, what the same model got
 * on Triton 2.51.0.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, ROOT } from '../helpers/cli.js';
import { writeFp, writeModel } from '../helpers/serve-models.js';
import { bytesWire, call, inferBody, killAllServers, sseEvents, startServe, type Served } from '../helpers/serve.js';

const EXAMPLES = path.join(ROOT, 'test/fixtures/validate/python_backend');

let root: string;
let served: Served;

/** Tries each argument form; reports "ok", "ok, response error", or the exception (with its message when it is Triton's own exception). */
const FORMS = `import json

import numpy as np
import triton_python_backend_utils as pb_utils


def attempt(make):
    try:
        value = make()
    except BaseException as error:
        if isinstance(error, pb_utils.TritonModelException):
            return f"TritonModelException: {error}"
        return type(error).__name__
    if callable(getattr(value, "has_error", None)) and value.has_error():
        return "ok, response error"
    return "ok"


class TritonPythonModel:
    def execute(self, requests):
        request = requests[0]
        x = pb_utils.get_input_tensor_by_name(request, "x")
        arr = x.as_numpy()
        T, IR, Resp, Err = pb_utils.Tensor, pb_utils.InferenceRequest, pb_utils.InferenceResponse, pb_utils.TritonError

        def bls(**overrides):
            arguments = {"model_name": "fp", "requested_output_names": ["y"], "inputs": [T("x", arr)], **overrides}
            return lambda: IR(**arguments).exec()

        forms = {
            "Tensor str name": lambda: T("x", arr),
            "Tensor bytes name": lambda: T(b"x", arr),
            "Tensor np.str_ name": lambda: T(np.str_("x"), arr),
            "Tensor np.bytes_ name": lambda: T(np.bytes_(b"x"), arr),
            "Tensor list data": lambda: T("x", [1.0, 2.0]),
            "Tensor np scalar": lambda: T("x", np.float32(1)),
            "Tensor 0-d array": lambda: T("x", np.array(1.0, dtype=np.float32)),
            "Tensor keywords": lambda: T(name="x", numpy_array=arr),
            "Tensor empty name": lambda: T("", arr),
            "Tensor unicode array": lambda: T("x", np.array(["a"])),
            "Tensor non-contiguous": lambda: T("x", np.arange(6, dtype=np.float32).reshape(2, 3).T),
            "Req bytes model_name": bls(model_name=b"fp"),
            "Req np.bytes_ model_name": bls(model_name=np.bytes_(b"fp")),
            "Req object-array element model_name": bls(model_name=np.array([b"fp"], dtype=np.object_)[0]),
            "Req tuples": bls(requested_output_names=("y",), inputs=(T("x", arr),)),
            "Req set outputs": bls(requested_output_names={"y"}),
            "Req str outputs": bls(requested_output_names="y"),
            "Req bytes output names": bls(requested_output_names=[b"y"]),
            "Req empty outputs": bls(requested_output_names=[]),
            "Req request_id bytes": bls(request_id=b"rid"),
            "Req correlation bytes": bls(correlation_id=b"c"),
            "Req correlation negative": bls(correlation_id=-1),
            "Req correlation np.int64": bls(correlation_id=np.int64(5)),
            "Req model_version np.int64": bls(model_version=np.int64(1)),
            "Req model_version str": bls(model_version="1"),
            "Req model_version True": bls(model_version=True),
            "Req model_version float": bls(model_version=1.0),
            "Req timeout": bls(timeout=1000000),
            "Req flags negative": bls(flags=-1),
            "Req parameters": bls(parameters={"a": 1, "b": "s", "c": True}),
            "Req parameters float": bls(parameters={"a": 1.5}),
            "Req parameters int key": bls(parameters={1: 1}),
            "Req parameters list": bls(parameters=[("a", 1)]),
            "Req parameters None": bls(parameters=None),
            "Req preferred_memory": bls(preferred_memory=pb_utils.PreferredMemory(pb_utils.TRITONSERVER_MEMORY_CPU, 0)),
            "Req preferred_memory None": bls(preferred_memory=None),
            "Req inputs None element": bls(inputs=[None]),
            "Req model_name None": bls(model_name=None),
            "Req unknown model exec": bls(model_name="nope"),
            "Req request input tensor": bls(inputs=[x]),
            "Req trace None": bls(trace=None),
            "Req request.trace()": bls(trace=request.trace()),
            "Resp tuple": lambda: Resp(output_tensors=(T("x", arr),)),
            "Resp positional": lambda: Resp([T("x", arr)]),
            "Resp None tensors": lambda: Resp(output_tensors=None),
            "Resp error positional": lambda: Resp([], Err("e")),
            "Resp error str": lambda: Resp(error="e"),
            "Resp tensor None element": lambda: Resp(output_tensors=[None]),
            "TritonError bytes": lambda: Err(b"e"),
            "TritonError int code": lambda: Err("e", 3),
            "TritonError None": lambda: Err(None),
        }
        report = json.dumps({label: attempt(make) for label, make in forms.items()})
        return [pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("report", np.array([report.encode()], dtype=np.object_))])]
`;

/**
 * What the FORMS model reported on Triton 2.51.0 (the same model, run by hand). Positional
 * InferenceRequest(...) arguments, which the binding also takes, are left out: the fake (and the
 * type stub) take keywords only, the binding's positional order not being the documented one.
 */
const TRITON_2_51: Record<string, string> = {
  'Tensor str name': 'ok',
  'Tensor bytes name': 'ok',
  'Tensor np.str_ name': 'ok',
  'Tensor np.bytes_ name': 'ok',
  'Tensor list data': 'TypeError',
  'Tensor np scalar': 'TypeError',
  'Tensor 0-d array': 'ok',
  'Tensor keywords': 'TypeError',
  'Tensor empty name': 'TritonModelException: Tensor name cannot be an empty string.',
  'Tensor unicode array': 'TritonModelException: NumPy dtype is not supported.',
  'Tensor non-contiguous': 'ok',
  'Req bytes model_name': 'ok',
  'Req np.bytes_ model_name': 'ok',
  'Req object-array element model_name': 'ok',
  'Req tuples': 'ok',
  'Req set outputs': 'TypeError',
  'Req str outputs': 'TypeError',
  'Req bytes output names': 'ok',
  'Req empty outputs': 'ok',
  'Req request_id bytes': 'ok',
  'Req correlation bytes': 'TritonModelException: Correlation ID must be integer or string',
  'Req correlation negative': 'RuntimeError',
  'Req correlation np.int64': 'TritonModelException: Correlation ID must be integer or string',
  'Req model_version np.int64': 'ok',
  'Req model_version str': 'TypeError',
  'Req model_version True': 'ok',
  'Req model_version float': 'TypeError',
  'Req timeout': 'ok',
  'Req flags negative': 'TypeError',
  'Req parameters': 'ok',
  'Req parameters float': "TritonModelException: Expect parameters values to have type bool/int/str, found type <class 'float'>",
  'Req parameters int key': "TritonModelException: Expect parameters keys to have type str, found type <class 'int'>",
  'Req parameters list': "TritonModelException: Expect N8pybind114dictE, got <class 'list'>",
  'Req parameters None': 'ok',
  'Req preferred_memory': 'ok',
  'Req preferred_memory None': 'TypeError',
  'Req inputs None element': "TritonModelException: Input tensor for request with id '' and model name 'fp' should not be empty.",
  'Req model_name None': 'TypeError',
  'Req unknown model exec': 'ok, response error',
  'Req request input tensor': 'ok',
  'Req trace None': 'TypeError',
  'Req request.trace()': 'ok',
  'Resp tuple': 'ok',
  'Resp positional': 'ok',
  'Resp None tensors': 'TypeError',
  'Resp error positional': 'ok, response error',
  'Resp error str': 'TypeError',
  'Resp tensor None element': 'TritonModelException: Output tensor for inference response should not be empty.',
  'TritonError bytes': 'ok',
  'TritonError int code': 'TypeError',
  'TritonError None': 'TypeError',
};

beforeAll(async () => {
  root = makeTempDir('ctm-serve-pbutils-');
  const repository = path.join(root, 'models');
  // One repository of the examples' models (square_int32 is in two examples, the same model).
  for (const example of ['bls', 'bls_decoupled', 'decoupled']) {
    fs.cpSync(path.join(EXAMPLES, example, 'models'), repository, { recursive: true });
  }
  writeModel(repository, 'forms', 'max_batch_size: 0\ninput [ { name: "x" data_type: TYPE_FP32 dims: [ -1 ] } ]\noutput [ { name: "report" data_type: TYPE_STRING dims: [ 1 ] } ]\n', FORMS);
  writeFp(repository);
  served = await startServe([repository], { cwd: root, timeoutMs: 120_000 });
});

afterAll(() => {
  killAllServers();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("serve's pb_utils takes what Triton's takes", () => {
  const fp32 = (values: number[]) => {
    const bytes = Buffer.alloc(values.length * 4);
    values.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
    return bytes;
  };
  const pair = [
    { name: 'INPUT0', datatype: 'FP32', shape: [4], parameters: { binary_data_size: 16 } },
    { name: 'INPUT1', datatype: 'FP32', shape: [4], parameters: { binary_data_size: 16 } },
  ];
  const sum = { name: 'OUTPUT0', datatype: 'FP32', shape: [4], data: [1.5, 2.5, 3.5, 4.5] };
  const difference = { name: 'OUTPUT1', datatype: 'FP32', shape: [4], data: [0.5, 1.5, 2.5, 3.5] };

  it('bls example, sync model: the model to call named by an element of a BYTES input (numpy bytes, as Triton takes it), its outputs passed back', async () => {
    for (const target of ['add_sub', 'pytorch']) {
      const name = bytesWire([target]);
      const { body, headers } = inferBody({ inputs: [{ name: 'MODEL_NAME', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: name.length } }, ...pair] }, [name, fp32([1, 2, 3, 4]), fp32([0.5, 0.5, 0.5, 0.5])]);
      const answer = await call(`${served.url}/v2/models/bls_sync/infer`, { body, headers });
      expect([target, answer.status, answer.json?.outputs ?? answer.json]).toEqual([target, 200, [sum, difference]]);
    }
  });

  it('bls example, async model: `async def execute` awaits two BLS calls together', async () => {
    const { body, headers } = inferBody({ inputs: pair }, [fp32([1, 2, 3, 4]), fp32([0.5, 0.5, 0.5, 0.5])]);
    const answer = await call(`${served.url}/v2/models/bls_async/infer`, { body, headers });
    expect([answer.status, answer.json?.outputs ?? answer.json]).toEqual([200, [sum, difference]]);
  });

  it('bls_decoupled example: decoupled BLS calls (sync and awaited) yield each response, then an empty last one as in Triton, which the caller skips', async () => {
    for (const [model, calls] of [
      ['bls_decoupled_sync', 1],
      ['bls_decoupled_async', 2],
    ] as const) {
      const answer = await call(`${served.url}/v2/models/${model}/infer`, { body: JSON.stringify({ inputs: [{ name: 'IN', datatype: 'INT32', shape: [1], data: [4] }] }) });
      // square_int32 answers IN responses of IN: 4 × 4 per call.
      expect([model, answer.status, answer.json?.outputs?.[0]?.data ?? answer.json]).toEqual([model, 200, [16 * calls]]);
    }
  });

  it('decoupled example: responses sent from a thread after execute returned stream over generate_stream', async () => {
    const square = await call(`${served.url}/v2/models/square_int32/generate_stream`, { body: JSON.stringify({ IN: 3 }) });
    expect(sseEvents(square.body)).toEqual(Array(3).fill({ model_name: 'square_int32', model_version: '1', OUT: 3 }));
    const repeat = await call(`${served.url}/v2/models/repeat_int32/generate_stream`, { body: JSON.stringify({ IN: [5, 6, 7], DELAY: [1, 1, 1], WAIT: 5 }) });
    expect(sseEvents(repeat.body)).toEqual([5, 6, 7].map((value, index) => ({ IDX: index, OUT: value, model_name: 'repeat_int32', model_version: '1' })));
  });

  it('each argument form of Tensor, InferenceRequest, InferenceResponse and TritonError is taken or refused as Triton 2.51.0 does', async () => {
    const answer = await call(`${served.url}/v2/models/forms/infer`, { body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2], data: [1, 2] }] }) });
    expect(answer.status, answer.body.toString()).toBe(200);
    expect(JSON.parse(answer.json.outputs[0].data[0] as string)).toEqual(TRITON_2_51);
  });
});
