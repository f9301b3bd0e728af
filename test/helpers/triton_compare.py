"""One model, the same inputs, three ways: the project's own fake pb_utils (tests/triton_fake), real
Triton over HTTP and real Triton over gRPC (tritonclient, the official client). Prints what each gave.

stdin:  {"project": dir, "model": name, "http": "host:port", "grpc": "host:port",
         "cases": [{"id": str, "batch_size": int | null, "values"?: {input: [numbers]}}]}
stdout: {"cases": [{"id", "inputs": {...}, "fake": [answer], "http": [answer], "grpc": [answer]}]}

An answer is one response: {"outputs": {name: {"datatype", "shape", "data"}}} or {"error": message,
"code": "INVALID_ARG" | "INTERNAL" | ...}; a decoupled model gives a list of them (gRPC streaming; the
HTTP list is empty: its streams are tested through generate_stream). Data is comparable across the
three: numbers as the bytes of the declared type, BYTES as hex per element, BF16 as float32 values.
The inputs are the harness's own sample_inputs for the config, the values client.py also sends;
a case may replace some with its own values (numbers, or text for BYTES inputs, in the sample's shape).
An ensemble runs step by step in the fake, and BLS requests reach the project's other models.
"""

from __future__ import annotations

import json
import os
import queue
import sys
from typing import Any

import numpy as np

request = json.load(sys.stdin)
project = request["project"]
model_name = request["model"]
sys.path.insert(0, os.path.join(project, "tests", "triton_fake"))

import triton_python_backend_utils as pb_utils  # noqa: E402  (the project's fake)
import tritonclient.grpc as grpcclient  # noqa: E402
import tritonclient.http as httpclient  # noqa: E402
from harness import LoadedEnsemble, LoadedModel, load_model, make_request, sample_inputs  # noqa: E402
from tritonclient.utils import InferenceServerException, np_to_triton_dtype, triton_to_np_dtype  # noqa: E402

WIRE = {value: key.replace("TYPE_", "") for key, value in pb_utils._TYPE_NUMBERS.items()}
WIRE[pb_utils._TYPE_NUMBERS["TYPE_STRING"]] = "BYTES"
HTTP_CODES = {"400": "INVALID_ARG", "404": "NOT_FOUND", "500": "INTERNAL", "503": "UNAVAILABLE", "501": "UNSUPPORTED"}
GRPC_CODES = {
    "StatusCode.INVALID_ARGUMENT": "INVALID_ARG",
    "StatusCode.NOT_FOUND": "NOT_FOUND",
    "StatusCode.INTERNAL": "INTERNAL",
    "StatusCode.UNAVAILABLE": "UNAVAILABLE",
    "StatusCode.UNIMPLEMENTED": "UNSUPPORTED",
    "StatusCode.ALREADY_EXISTS": "ALREADY_EXISTS",
    "StatusCode.CANCELLED": "CANCELLED",
}
FAKE_CODES = {
    getattr(pb_utils.TritonError, name): name
    for name in ("UNKNOWN", "INTERNAL", "NOT_FOUND", "INVALID_ARG", "UNAVAILABLE", "UNSUPPORTED", "ALREADY_EXISTS", "CANCELLED")
}


def comparable(datatype: str, array: np.ndarray) -> dict[str, Any]:
    if datatype == "BYTES":
        data: Any = [bytes(item if isinstance(item, bytes) else str(item).encode()).hex() for item in array.reshape(-1)]
    elif datatype == "BF16":
        data = [float(item) for item in np.asarray(array).astype(np.float32).reshape(-1)]
    else:
        data = np.ascontiguousarray(array).tobytes().hex()
    return {"datatype": datatype, "shape": [int(d) for d in array.shape], "data": data}


def numpy_of_input(value: Any) -> tuple[str, np.ndarray]:
    """The wire datatype and a numpy array tritonclient can send (BF16 in tritonclient's own numpy type for it)."""
    if type(value).__module__.startswith("torch"):
        return "BF16", value.float().numpy().astype(triton_to_np_dtype("BF16"))
    array = np.asarray(value)
    if array.dtype == np.object_:
        return "BYTES", array
    return np_to_triton_dtype(array.dtype), array


def fake_answers(model: LoadedModel | LoadedEnsemble, inputs: dict[str, Any]) -> list[dict[str, Any]]:
    [result] = model.execute([make_request(inputs, request_id="compare")])
    answers = []
    for response in result.responses:
        if response is None:
            continue
        if response.has_error():
            error = response.error()
            answers.append({"error": error.message(), "code": FAKE_CODES.get(error.code(), str(error.code()))})
            continue
        outputs = {}
        for tensor in response.output_tensors():
            datatype = WIRE[tensor.triton_dtype()]
            if datatype == "BF16":
                import torch

                array = torch.from_dlpack(tensor.to_dlpack()).float().numpy()
            else:
                array = tensor.as_numpy()
            outputs[tensor.name()] = comparable(datatype, array)
        answers.append({"outputs": outputs})
    return answers


def client_inputs(module: Any, inputs: dict[str, Any]) -> list[Any]:
    tensors = []
    for name, value in inputs.items():
        datatype, array = numpy_of_input(value)
        tensor = module.InferInput(name, list(array.shape), datatype)
        if module is httpclient:
            tensor.set_data_from_numpy(array, binary_data=True)
        else:
            tensor.set_data_from_numpy(array)
        tensors.append(tensor)
    return tensors


def result_answer(result: Any, names: list[str]) -> dict[str, Any]:
    outputs = {}
    for name in names:
        output = result.get_output(name)
        if output is None:
            continue
        datatype = output["datatype"] if isinstance(output, dict) else output.datatype
        outputs[name] = comparable(datatype, result.as_numpy(name))
    return {"outputs": outputs}


def error_answer(error: InferenceServerException, codes: dict[str, str]) -> dict[str, Any]:
    return {"error": error.message(), "code": codes.get(str(error.status()), str(error.status()))}


def http_answers(inputs: dict[str, Any], names: list[str], decoupled: bool) -> list[dict[str, Any]]:
    if decoupled:
        return []
    with httpclient.InferenceServerClient(url=request["http"], network_timeout=120) as client:
        try:
            outputs = [httpclient.InferRequestedOutput(name, binary_data=True) for name in names]
            return [result_answer(client.infer(model_name, client_inputs(httpclient, inputs), outputs=outputs, request_id="compare"), names)]
        except InferenceServerException as error:
            return [error_answer(error, HTTP_CODES)]


def grpc_answers(inputs: dict[str, Any], names: list[str], decoupled: bool) -> list[dict[str, Any]]:
    client = grpcclient.InferenceServerClient(url=request["grpc"])
    try:
        if not decoupled:
            try:
                return [result_answer(client.infer(model_name, client_inputs(grpcclient, inputs), outputs=[grpcclient.InferRequestedOutput(n) for n in names], request_id="compare", client_timeout=120), names)]
            except InferenceServerException as error:
                return [error_answer(error, GRPC_CODES)]
        # Decoupled: stream until the response that carries the final flag (sent alone when asked for).
        received: queue.Queue[Any] = queue.Queue()
        client.start_stream(callback=lambda result, error: received.put((result, error)))
        client.async_stream_infer(model_name, client_inputs(grpcclient, inputs), request_id="compare", enable_empty_final_response=True)
        answers = []
        while True:
            result, error = received.get(timeout=120)
            if error is not None:
                answers.append(error_answer(error, GRPC_CODES))
                break
            response = result.get_response()
            final = response.parameters["triton_final_response"].bool_param
            if response.outputs:
                answers.append(result_answer(result, names))
            if final:
                answers.append({"final": True})
                break
        client.stop_stream()
        return answers
    finally:
        client.close()


def main() -> None:
    model = load_model(os.path.join(project, "models", model_name))
    names = [output["name"] for output in model.config["output"]]
    cases = []
    try:
        for case in request["cases"]:
            size = case.get("batch_size")
            inputs = sample_inputs(model.config, batch_size=size or 1)
            for name, values in case.get("values", {}).items():
                values = [value.encode() if isinstance(value, str) else value for value in values]
                inputs[name] = np.array(values, dtype=inputs[name].dtype).reshape(inputs[name].shape)
            fake = fake_answers(model, inputs)
            if model.decoupled:
                fake.append({"final": True})
            cases.append(
                {
                    "id": case["id"],
                    "inputs": {name: comparable(*numpy_of_input(value)) for name, value in inputs.items()},
                    "fake": fake,
                    "http": http_answers(inputs, names, model.decoupled),
                    "grpc": grpc_answers(inputs, names, model.decoupled),
                }
            )
    finally:
        model.finalize()
    json.dump({"cases": cases}, sys.stdout)


main()
