"""Load a model folder the way Triton's Python backend does, with the fake pb_utils, and drive it.

    model = load_model("models/my_model")           # auto_complete_config, then initialize(args)
    results = model.execute([make_request(sample_inputs(model.config))])
    assert check_response(model.config, results[0].responses[0], batch_size=...) == []
    model.finalize()

args carries the keys Triton passes (model_config as JSON, model_instance_kind, ...);
model_repository is the model folder, as in Triton. An ensemble (platform "ensemble") runs its steps
as Triton does, and a model's BLS requests (InferenceRequest(...).exec()) reach the other models of
its repository: the same folders Triton would serve.
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
        _serve_bls_from(os.path.dirname(self.model_dir))
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


class LoadedEnsemble:
    """An ensemble, run as Triton runs one: each step once the tensors it takes are there, tensors passed by name.

    The requests of one execute() call go through each step together, as a step's dynamic batcher
    may group them. A step's error ends that request with the step's code and message, prefixed as
    Triton prefixes it ("in ensemble '<name>', ..."); the other requests go on.
    """

    def __init__(self, model_dir: str, config: dict[str, Any] | None = None) -> None:
        self.model_dir = os.path.abspath(model_dir)
        self.config = config if config is not None else read_config(self.model_dir)
        self.name = self.config["name"]
        self.decoupled = False
        self.repository = Repository(os.path.dirname(self.model_dir))
        self.steps = self._in_order(self.config.get("ensemble_scheduling", {}).get("step", []))
        missing = [step["model_name"] for step in self.steps if self.repository.model(step["model_name"]) is None]
        if missing:
            raise FileNotFoundError(f"ensemble {self.name} contains models that are not available or ambiguous: {', '.join(missing)}")

    def _in_order(self, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The steps in an order where each comes after those writing the tensors it takes."""
        available = {tensor["name"] for tensor in self.config.get("input", [])}
        ordered: list[dict[str, Any]] = []
        pending = list(steps)
        while pending:
            ready = [step for step in pending if set(step.get("input_map", {}).values()) <= available]
            if not ready:
                raise ValueError(f"ensemble {self.name}: no step can run with the tensors {sorted(available)}")
            for step in ready:
                pending.remove(step)
                ordered.append(step)
                available.update(step.get("output_map", {}).values())
        return ordered

    def execute(self, requests: list[pb_utils.InferenceRequest]) -> list[RequestResult]:
        results = [RequestResult() for _ in requests]
        tensors = [{tensor.name(): tensor for tensor in request.inputs()} for request in requests]
        running = list(range(len(requests)))
        for step in self.steps:
            if not running:
                break
            model = self.repository.model(step["model_name"])
            assert model is not None  # checked at load
            step_requests = [
                pb_utils.InferenceRequest(
                    model_name=step["model_name"],
                    requested_output_names=list(step.get("output_map", {})),
                    inputs=[_renamed(tensors[i][name], key) for key, name in step.get("input_map", {}).items() if name in tensors[i]],
                    request_id=requests[i].request_id(),
                )
                for i in running
            ]
            still_running = []
            for i, step_result in zip(running, model.execute(step_requests)):
                response = next((r for r in step_result.responses if r is not None), None)
                error = None if response is None else response.error()
                if response is None or error is not None:
                    message = error.message() if error is not None else f"model '{step['model_name']}' sent no response"
                    code = error.code() if error is not None else pb_utils.TritonError.INTERNAL
                    ensemble_error = pb_utils.TritonError(f"in ensemble '{self.name}', {message}", code)
                    results[i].responses.append(pb_utils.InferenceResponse(output_tensors=[], error=ensemble_error))
                    results[i].flags.append(pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
                    continue
                for key, name in step.get("output_map", {}).items():
                    output = pb_utils.get_output_tensor_by_name(response, key)
                    if output is not None:
                        tensors[i][name] = _renamed(output, name)
                still_running.append(i)
            running = still_running
        for i in running:
            declared = [tensor["name"] for tensor in self.config["output"]]
            wanted = requests[i].requested_output_names() or set(declared)
            outputs = [tensors[i][name] for name in declared if name in wanted and name in tensors[i]]
            results[i].responses.append(pb_utils.InferenceResponse(output_tensors=outputs))
            results[i].flags.append(pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
        return results

    def finalize(self) -> None:
        self.repository.finalize()


class Repository:
    """The models of one model repository, each loaded on first use: what ensembles and BLS requests reach."""

    def __init__(self, models_dir: str) -> None:
        self.models_dir = os.path.abspath(models_dir)
        self.loaded: dict[str, LoadedModel | LoadedEnsemble] = {}

    def model(self, name: str) -> LoadedModel | LoadedEnsemble | None:
        if name not in self.loaded:
            model_dir = os.path.join(self.models_dir, name)
            if not os.path.isfile(os.path.join(model_dir, "config.pbtxt")):
                return None
            self.loaded[name] = load_model(model_dir)
        return self.loaded[name]

    def execute(self, request: pb_utils.InferenceRequest, decoupled: bool) -> Any:
        """InferenceRequest.exec(): the request run on the model it names; its response (an iterator of them when decoupled)."""
        name = request._model_name
        model = self.model(name)
        if model is None:
            # Triton's words for it, as an error response.
            not_ready = f"Failed for execute the inference request. Model '{name}' is not ready."
            responses = [_error(f"Model {name} - Error when running inference: {not_ready}")]
        elif model.decoupled and not decoupled:
            responses = [
                _error(
                    f"Model {name} - Error when running inference: Model {name} is using the decoupled. "
                    "The current BLS request call doesn't support models using the decoupled transaction policy. "
                    "Please use 'decoupled=True' argument to the 'exec' or "
                    "'async_exec' calls for decoupled models.'"
                )
            ]
        else:
            [result] = model.execute([request])
            wanted = request.requested_output_names()
            responses = [_only(response, wanted) for response in result.responses if response is not None]
        if decoupled:
            return pb_utils.ResponseIterator(responses)
        return responses[0] if responses else _error("the model sent no response")

    def finalize(self) -> None:
        for model in self.loaded.values():
            model.finalize()
        self.loaded.clear()


def load_model(model_dir: str, **options: Any) -> LoadedModel | LoadedEnsemble:
    """A model folder loaded as Triton loads it: a Python model, or an ensemble and its steps."""
    config = read_config(model_dir)
    if config.get("platform") == "ensemble":
        return LoadedEnsemble(model_dir, config)
    return LoadedModel(model_dir, config=config, **options)


def _serve_bls_from(models_dir: str) -> None:
    """BLS requests reach the models of `models_dir`, unless a server (serve) routes them itself."""
    current = getattr(pb_utils._bls_executor, "__self__", None)
    if pb_utils._bls_executor is None or (isinstance(current, Repository) and current.models_dir != os.path.abspath(models_dir)):
        pb_utils._bls_executor = Repository(models_dir).execute


def _error(message: str) -> pb_utils.InferenceResponse:
    return pb_utils.InferenceResponse(output_tensors=[], error=pb_utils.TritonError(message, pb_utils.TritonError.INTERNAL))


def _only(response: Any, names: set[str]) -> Any:
    """A BLS response with the outputs the request asked for (all when it named none), as Triton returns them."""
    if not names or response.has_error():
        return response
    tensors = [tensor for tensor in response.output_tensors() if tensor.name() in names]
    return pb_utils.InferenceResponse(output_tensors=tensors, parameters=json.loads(response.parameters()))


def _renamed(tensor: pb_utils.Tensor, name: str) -> pb_utils.Tensor:
    """The same data under another name: a tensor as the next ensemble step calls it."""
    if tensor.name() == name:
        return tensor
    if tensor.triton_dtype() == 14:  # BF16 lives in a torch tensor
        return pb_utils.Tensor.from_dlpack(name, tensor)
    return pb_utils.Tensor(name, tensor.as_numpy())


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
