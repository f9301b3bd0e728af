"""Load a model folder the way Triton's Python backend does, with the fake pb_utils, and drive it.

    model = LoadedModel("models/my_model")          # auto_complete_config, then initialize(args)
    results = model.execute([make_request(sample_inputs(model.config))])
    assert check_response(model.config, results[0].responses[0], batch_size=...) == []
    model.finalize()

args carries the keys Triton passes (model_config as JSON, model_instance_kind, ...);
model_repository is the model folder, as in Triton.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import itertools
import json
import os
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import triton_python_backend_utils as pb_utils  # noqa: E402  (the fake beside this file)
from model_config import parse_model_config  # noqa: E402

_module_ids = itertools.count()

# Example values for a variable (-1) dimension and for the batch: the same as the CLI's examples.
EXAMPLE_SIZE = 2


@dataclass
class RequestResult:
    """What one request got back: its responses in order (one unless decoupled) and their flags."""

    responses: list[Any] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)

    @property
    def final(self) -> bool:
        return bool(self.flags) and bool(self.flags[-1] & pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)


def instance_name(config: dict[str, Any]) -> str:
    """Triton's name for the first instance: its instance group's name, then `_0`.

    A group without a name is `<model>_<group index>`; a config without instance_group gets one
    group named like the model (so `echo_0`, or `echo_0_0` for an unnamed group listed in the config).
    """
    groups = config.get("instance_group") or []
    if not groups:
        return f"{config['name']}_0"
    return f"{groups[0].get('name') or config['name'] + '_0'}_0"


def read_config(model_dir: str) -> dict[str, Any]:
    with open(os.path.join(model_dir, "config.pbtxt"), encoding="utf-8") as handle:
        config = parse_model_config(handle.read())
    config.setdefault("name", os.path.basename(os.path.normpath(model_dir)))
    return config


def latest_version(model_dir: str) -> str:
    versions = [entry for entry in os.listdir(model_dir) if entry.isdigit() and not (len(entry) > 1 and entry.startswith("0"))]
    if not versions:
        raise FileNotFoundError(f"{model_dir} has no numeric version folder")
    return max(versions, key=int)


class LoadedModel:
    """One instance of a model, loaded as Triton loads it."""

    def __init__(
        self, model_dir: str, version: str | None = None, instance_kind: str = "CPU", config: dict[str, Any] | None = None
    ) -> None:
        self.model_dir = os.path.abspath(model_dir)
        self.config = config if config is not None else read_config(self.model_dir)
        self.version = version or latest_version(self.model_dir)
        filename = self.config.get("default_model_filename") or "model.py"
        self.module = _import_model(os.path.join(self.model_dir, self.version, filename))
        model_class = getattr(self.module, "TritonPythonModel", None)
        if model_class is None:
            raise AttributeError(f"{filename} defines no TritonPythonModel class")
        auto_complete = getattr(model_class, "auto_complete_config", None)
        if auto_complete is not None:
            completed = auto_complete(pb_utils.ModelConfig(json.dumps(self.config)))
            if not isinstance(completed, pb_utils.ModelConfig):
                raise TypeError("auto_complete_config must return a valid pb.ModelConfig object")
            self.config = completed.as_dict()
        self.decoupled = pb_utils.using_decoupled_model_transaction_policy(self.config)
        self.args = {
            "model_config": json.dumps(self.config),
            "model_instance_kind": instance_kind,
            "model_instance_name": instance_name(self.config),
            "model_instance_device_id": "0",
            "model_repository": self.model_dir,
            "model_version": self.version,
            "model_name": self.config["name"],
        }
        self.instance = model_class()
        if hasattr(self.instance, "initialize"):
            self.instance.initialize(self.args)

    def execute(
        self, requests: list[pb_utils.InferenceRequest], on_send: Callable[[int, Any, int], None] | None = None
    ) -> list[RequestResult]:
        """Call execute() once with all requests, enforcing the backend's return rules.

        Like Triton, inputs with a `reshape` reach the model in the reshaped shape, and outputs
        with one are shown to the client in their declared dims. `on_send(index, response, flags)`
        also sees each response sent through a request's response sender, as it is sent (even from
        another thread after execute returned): `serve` streams them to the client.
        """
        results = [RequestResult() for _ in requests]
        for request in requests:
            self._reshape_inputs(request)
        for index, (request, result) in enumerate(zip(requests, results)):
            sender = request.get_response_sender()

            def record(response: Any, flags: int, result: RequestResult = result, index: int = index) -> None:
                viewed = self._client_view(response)
                result.responses.append(viewed)
                result.flags.append(flags)
                if on_send is not None:
                    on_send(index, viewed, flags)

            sender._on_send = record
        returned = self.instance.execute(requests)
        if inspect.isawaitable(returned):
            # `async def execute` (Triton runs it on the stub's event loop, so BLS calls can be awaited together).
            returned = self._event_loop().run_until_complete(returned)
        if self.decoupled:
            if returned is not None:
                raise TypeError("a decoupled model's execute must return None")
            return results
        if any(result.responses for result in results):
            # Since 24.06 a default-mode model may answer through the sender instead; then it must return None.
            if returned is not None:
                raise TypeError("execute answered through the response sender and also returned responses")
            return results
        if not isinstance(returned, list):
            raise TypeError("Expected a list in the execute return")
        if len(returned) != len(requests):
            raise TypeError(
                "Number of InferenceResponse objects do not match the number of InferenceRequest objects "
                f"({len(returned)} != {len(requests)})"
            )
        for response, result in zip(returned, results):
            if not isinstance(response, pb_utils.InferenceResponse):
                raise TypeError("execute must return pb_utils.InferenceResponse objects")
            result.responses.append(self._client_view(response))
            result.flags.append(pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
        return results

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        """One event loop for the instance, kept across calls as the stub keeps its own."""
        if getattr(self, "_loop", None) is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    def _batched(self) -> bool:
        return int(self.config.get("max_batch_size", 0)) > 0

    def _reshape_inputs(self, request: pb_utils.InferenceRequest) -> None:
        reshaped = []
        for tensor in request.inputs():
            declared = pb_utils.get_input_config_by_name(self.config, tensor.name())
            reshape = None if declared is None else declared.get("reshape")
            reshaped.append(tensor if reshape is None else _reshaped(tensor, reshape.get("shape", []), self._batched()))
        request._inputs = reshaped

    def _client_view(self, response: Any) -> Any:
        if not isinstance(response, pb_utils.InferenceResponse) or response.has_error():
            return response
        tensors = []
        for tensor in response.output_tensors():
            declared = pb_utils.get_output_config_by_name(self.config, tensor.name())
            reshaped = declared is not None and declared.get("reshape") is not None
            tensors.append(_reshaped(tensor, declared["dims"], self._batched()) if reshaped and declared is not None else tensor)
        return pb_utils.InferenceResponse(output_tensors=tensors, parameters=json.loads(response.parameters()))

    def finalize(self) -> None:
        if hasattr(self.instance, "finalize"):
            self.instance.finalize()


def _reshaped(tensor: pb_utils.Tensor, dims: list[Any], batched: bool) -> pb_utils.Tensor:
    """The same data in another shape (the batch dimension kept), as Triton applies `reshape`."""
    shape = ([tensor.shape()[0]] if batched else []) + [int(d) for d in dims]
    if tensor.triton_dtype() == 14:  # BF16 lives in a torch tensor
        import torch

        return pb_utils.Tensor.from_dlpack(tensor.name(), torch.from_dlpack(tensor.to_dlpack()).reshape(shape))
    return pb_utils.Tensor(tensor.name(), tensor.as_numpy().reshape(shape))


def _import_model(path: str) -> types.ModuleType:
    """Import model.py under a unique name, with the fake pb_utils as triton_python_backend_utils."""
    sys.modules["triton_python_backend_utils"] = pb_utils
    name = f"_triton_model_{next(_module_ids)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def make_request(
    inputs: dict[str, Any],
    request_id: str = "",
    requested_outputs: list[str] | None = None,
    parameters: dict[str, Any] | None = None,
    model_name: str = "",
) -> pb_utils.InferenceRequest:
    """A request as execute() receives it. BF16 inputs may be given as torch.bfloat16 tensors."""
    tensors = []
    for name, value in inputs.items():
        if type(value).__module__.startswith("torch"):
            tensors.append(pb_utils.Tensor.from_dlpack(name, value))
        else:
            tensors.append(pb_utils.Tensor(name, value))
    return pb_utils.InferenceRequest(
        model_name=model_name, requested_output_names=requested_outputs or [], inputs=tensors, request_id=request_id, parameters=parameters
    )


def request_shape(config: dict[str, Any], tensor: dict[str, Any], batch_size: int = EXAMPLE_SIZE) -> list[int]:
    dims = [EXAMPLE_SIZE if int(d) == -1 else int(d) for d in tensor["dims"]]
    return ([min(batch_size, int(config["max_batch_size"]))] + dims) if int(config.get("max_batch_size", 0)) > 0 else dims


def sample_value(tensor: dict[str, Any], shape: list[int]) -> Any:
    """Example data for a declared tensor: the values client.py sends."""
    count = int(np.prod(shape)) if shape else 1
    data_type = tensor["data_type"]
    if data_type == "TYPE_STRING":
        text = b"a red square" if tensor["name"] == "prompt" else b"hello"
        return np.array([text] * count, dtype=np.object_).reshape(shape)
    if data_type == "TYPE_BOOL":
        return (np.arange(count) % 2 == 0).reshape(shape)
    if data_type == "TYPE_BF16":
        import torch

        return torch.from_numpy((np.arange(count) % 100).astype(np.float32).reshape(shape)).to(torch.bfloat16)
    return (np.arange(count) % 100).astype(pb_utils.triton_string_to_numpy(data_type)).reshape(shape)


def sample_inputs(config: dict[str, Any], batch_size: int = EXAMPLE_SIZE) -> dict[str, Any]:
    """One example value per declared input, shaped as the config says (batch first when batching)."""
    return {
        tensor["name"]: sample_value(tensor, request_shape(config, tensor, batch_size))
        for tensor in config["input"]
        if not tensor.get("optional", False)
    }


def check_response(config: dict[str, Any], response: Any, batch_size: int | None = None, outputs: list[str] | None = None) -> list[str]:
    """Problems with a successful response, by the config: missing outputs, wrong dtype, wrong shape."""
    problems: list[str] = []
    if not isinstance(response, pb_utils.InferenceResponse):
        return [f"not an InferenceResponse: {response!r}"]
    if response.has_error():
        return [f"error response: {response.error().message()}"]  # type: ignore[union-attr]
    batched = int(config.get("max_batch_size", 0)) > 0
    wanted = outputs if outputs is not None else [o["name"] for o in config["output"]]
    for declared in config["output"]:
        if declared["name"] not in wanted:
            continue
        tensor = pb_utils.get_output_tensor_by_name(response, declared["name"])
        if tensor is None:
            problems.append(f"output {declared['name']!r} missing")
            continue
        expected_type = pb_utils._TYPE_NUMBERS[declared["data_type"]]
        if tensor.triton_dtype() != expected_type:
            problems.append(
                f"output {declared['name']!r} has type {tensor.triton_dtype()}, config declares {declared['data_type']} ({expected_type})"
            )
        expected_shape = ([batch_size if batch_size is not None else -1] if batched else []) + [int(d) for d in declared["dims"]]
        shape = tensor.shape()
        if len(shape) != len(expected_shape) or any(want not in (-1, got) for want, got in zip(expected_shape, shape)):
            problems.append(f"output {declared['name']!r} has shape {shape}, config declares {expected_shape}")
    return problems
