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
