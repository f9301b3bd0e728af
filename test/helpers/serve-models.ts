/**
 * Hand-written model folders for the serve tests, beside the generated ones: each shows one thing
 * a model can do to a server (log at every level, answer with error codes, call another model,
 * fail to initialize, import a module that is not installed, leave a file behind in finalize).
 */

import fs from 'node:fs';
import path from 'node:path';

export function writeModel(repository: string, name: string, config: string, modelPy: string): void {
  fs.mkdirSync(path.join(repository, name, '1'), { recursive: true });
  fs.writeFileSync(path.join(repository, name, 'config.pbtxt'), `name: "${name}"\nbackend: "python"\n${config}`);
  fs.writeFileSync(path.join(repository, name, '1', 'model.py'), modelPy);
}

const INT32_IO = (batch = 0) => `max_batch_size: ${batch}
input [ { name: "x" data_type: TYPE_INT32 dims: [ -1 ] } ]
output [ { name: "y" data_type: TYPE_INT32 dims: [ -1 ] } ]
instance_group [ { count: 1 kind: KIND_CPU } ]
`;

/** y = x + VALUE; logs at every level in initialize; finalize logs and writes `marker` (a config parameter). */
export function writeEcho(repository: string, options: { value?: number; marker?: string; name?: string } = {}): void {
  writeModel(
    repository,
    options.name ?? 'echo',
    `${INT32_IO()}parameters: { key: "finalize_marker" value: { string_value: ${JSON.stringify(options.marker ?? '')} } }\n`,
    echoSource(options.value ?? 1),
  );
}

export function echoSource(value: number): string {
  return `import json

import numpy as np
import triton_python_backend_utils as pb_utils

VALUE = ${value}


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        self.marker = config["parameters"]["finalize_marker"]["string_value"]
        pb_utils.Logger.log_info(f"info line: kind {args['model_instance_kind']}, repository {args['model_repository']}, version {args['model_version']}")
        pb_utils.Logger.log_warn("warn line")
        pb_utils.Logger.log_error("error line")
        pb_utils.Logger.log_verbose("verbose line")
        print("printed by the model", flush=True)

    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "x").as_numpy()
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("y", (x + VALUE).astype(np.int32))]))
        return responses

    def finalize(self):
        pb_utils.Logger.log_info("finalized")
        if self.marker:
            with open(self.marker, "w") as handle:
                handle.write("finalized")
`;
}

/** Answers with the TritonError code named by request parameter "fail", raises with "raise", else echoes x and the parameters it saw. */
export function writeCoded(repository: string): void {
  writeModel(
    repository,
    'coded',
    INT32_IO(),
    `import json

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            params = json.loads(request.parameters())
            if params.get("raise"):
                raise RuntimeError("exploded")
            fail = params.get("fail")
            if fail == "DEFAULT":
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError("failed with the default code")))
            elif fail:
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(f"failed with {fail}", getattr(pb_utils.TritonError, fail))))
            else:
                x = pb_utils.get_input_tensor_by_name(request, "x").as_numpy()
                responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("y", x)], parameters={"seen": json.dumps(params, sort_keys=True)}))
        return responses
`,
  );
}

/** Calls model parameters["target"] (default echo) through BLS; y = its y * 10, ready = pb_utils.is_model_ready(target). */
export function writeCaller(repository: string): void {
  writeModel(
    repository,
    'caller',
    `max_batch_size: 0
input [ { name: "x" data_type: TYPE_INT32 dims: [ -1 ] } ]
output [ { name: "y" data_type: TYPE_INT32 dims: [ -1 ] }, { name: "ready" data_type: TYPE_BOOL dims: [ 1 ] } ]
`,
    `import json

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            target = json.loads(request.parameters()).get("target", "echo")
            x = pb_utils.get_input_tensor_by_name(request, "x").as_numpy()
            call = pb_utils.InferenceRequest(model_name=target, requested_output_names=["y"], inputs=[pb_utils.Tensor("x", x)])
            answer = call.exec()
            if answer.has_error():
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(answer.error().message(), answer.error().code())))
                continue
            y = pb_utils.get_output_tensor_by_name(answer, "y").as_numpy() * 10
            ready = np.array([pb_utils.is_model_ready(target)], dtype=np.bool_)
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("y", y.astype(np.int32)), pb_utils.Tensor("ready", ready)]))
        return responses
`,
  );
}

export function writeBroken(repository: string): void {
  writeModel(
    repository,
    'broken',
    INT32_IO(),
    `class TritonPythonModel:
    def initialize(self, args):
        raise ValueError("boom at initialize")

    def execute(self, requests):
        return []
`,
  );
}

export const MISSING_MODULE = 'not_a_real_module_xyz';

export function writeNeedy(repository: string, name = 'needy'): void {
  writeModel(
    repository,
    name,
    INT32_IO(),
    `import json

import ${MISSING_MODULE}


class TritonPythonModel:
    def execute(self, requests):
        return []
`,
  );
}

/** config.pbtxt declares no output: auto_complete_config adds one, and the server must serve the completed config. */
export function writeAuto(repository: string): void {
  writeModel(
    repository,
    'auto',
    `max_batch_size: 0
input [ { name: "x" data_type: TYPE_INT32 dims: [ -1 ] } ]
`,
    `import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    @staticmethod
    def auto_complete_config(auto_complete_model_config):
        auto_complete_model_config.add_output({"name": "doubled", "data_type": "TYPE_INT32", "dims": [-1]})
        return auto_complete_model_config

    def execute(self, requests):
        return [
            pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("doubled", pb_utils.get_input_tensor_by_name(request, "x").as_numpy() * 2)])
            for request in requests
        ]
`,
  );
}

/** INT32 x [1] -> y [1], no instance_group: Triton names its one instance `<model>_0`. */
const X_TO_Y = `max_batch_size: 0
input [ { name: "x" data_type: TYPE_INT32 dims: [ 1 ] } ]
output [ { name: "y" data_type: TYPE_INT32 dims: [ 1 ] } ]
`;

/**
 * A model whose execute() runs `statement` when x is 1 and otherwise
 * answers y = x: the same models were run on Triton 2.51.0 to see what it answers.
 */
export function writeFaulty(repository: string, name: string, statement: string, imports = 'import os\nimport sys'): void {
  writeModel(
    repository,
    name,
    X_TO_Y,
    `${imports}
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "x").as_numpy()
            if x[0] == 1:
                ${statement}
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("y", x)]))
        return responses
`,
  );
}

/** Statements a model can run on its channel to serve, found as the process's sockets (/proc/self/fd). */
export const CHANNEL_SABOTAGE = {
  /** Bytes that are no frame: a header length of 16, then 16 bytes that are not JSON. */
  garbage: 'for fd in sockets(): os.write(fd, struct.pack("<II", 16, 0) + b"not json at all!")',
  /** A frame prefix announcing 4 GiB that never come. */
  oversize: 'for fd in sockets(): os.write(fd, struct.pack("<II", 0xFFFFFFF0, 0xFFFFFFF0))',
  /** Close every descriptor past stderr, the channel with them, and hang. */
  closer: 'os.closerange(3, 65536); time.sleep(3600)',
  /** Shut the channel down both ways (serve reads its end) and hang, ignoring SIGTERM as model processes do. */
  shutter: '[socket.socket(fileno=fd).shutdown(socket.SHUT_RDWR) for fd in sockets()]; time.sleep(3600)',
  /** Close fd 3 (where the channel used to live) and answer as usual. */
  fd3: 'close_fd3()',
};

export const SABOTAGE_IMPORTS = `import os
import socket
import struct
import time


def sockets():
    fds = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                fds.append(int(fd))
        except OSError:
            pass
    return fds


def close_fd3():
    try:
        os.close(3)
    except OSError:
        pass
`;

/** y = how many times execute() has run (this call included), after sleeping `seconds`. */
export function writeSlowCounter(repository: string, name = 'slow', seconds = 2): void {
  writeModel(
    repository,
    name,
    X_TO_Y,
    `import time

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        self.calls = 0

    def execute(self, requests):
        self.calls += 1
        pb_utils.Logger.log_info(f"execute {self.calls} started")
        time.sleep(${seconds})
        return [pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("y", np.array([self.calls], dtype=np.int32))]) for _ in requests]
`,
  );
}

/** FP32 x [-1] -> y = x. */
export function writeFp(repository: string, name = 'fp'): void {
  writeModel(
    repository,
    name,
    `max_batch_size: 0
input [ { name: "x" data_type: TYPE_FP32 dims: [ -1 ] } ]
output [ { name: "y" data_type: TYPE_FP32 dims: [ -1 ] } ]
`,
    `import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        return [pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("y", pb_utils.get_input_tensor_by_name(r, "x").as_numpy())]) for r in requests]
`,
  );
}

/** Decoupled: x [1] responses y = 0, 1, ..., then the final flag alone. */
export function writeCounterStream(repository: string, name = 'dec3'): void {
  writeModel(
    repository,
    name,
    `max_batch_size: 0
model_transaction_policy { decoupled: true }
input [ { name: "x" data_type: TYPE_INT32 dims: [ 1 ] } ]
output [ { name: "y" data_type: TYPE_INT32 dims: [ 1 ] } ]
`,
    `import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        for request in requests:
            sender = request.get_response_sender()
            n = int(pb_utils.get_input_tensor_by_name(request, "x").as_numpy()[0])
            for i in range(n):
                sender.send(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("y", np.array([i], dtype=np.int32))]))
            sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
        return None
`,
  );
}

/**
 * Prints to stderr without a newline, as a progress bar does: x [1] megabytes of `\r`-separated
 * redraws, then "progress done" and a newline; x = -1 prints one 200 000-character line instead.
 */
export function writePrinter(repository: string, name = 'printer'): void {
  writeModel(
    repository,
    name,
    X_TO_Y,
    `import sys

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "x").as_numpy()
            if x[0] < 0:
                sys.stderr.write("L" * 200000 + "\\n")
            else:
                redraw = "\\r" + "progress " + "#" * 90  # 100 characters
                for _ in range(int(x[0]) * 10000 // 10):
                    sys.stderr.write(redraw * 10)
                sys.stderr.write("\\rprogress done\\n")
            sys.stderr.flush()
        return [pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("y", pb_utils.get_input_tensor_by_name(r, "x").as_numpy())]) for r in requests]
`,
  );
}
