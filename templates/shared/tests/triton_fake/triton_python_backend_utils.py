"""An in-process stand-in for Triton's `triton_python_backend_utils`, for running model.py without Triton.

It follows the real module (python_backend's pb_stub.cc bindings and
triton_python_backend_utils.py) where model code can tell the difference: tensors copy their
data, string tensors come back as object arrays of bytes, numpy unicode arrays and BF16
`as_numpy()` are refused, a response sender closes after the final flag, errors carry Triton's
codes. It is what the project's tests import (see conftest.py) and what
`create-triton-model serve` runs models with. It is not a server: batching, GPUs and shared
memory are out of its scope.
"""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

# Flags and enums, with the values of the real module.
TRITONSERVER_RESPONSE_COMPLETE_FINAL = 1
TRITONSERVER_REQUEST_FLAG_SEQUENCE_START = 1
TRITONSERVER_REQUEST_FLAG_SEQUENCE_END = 2
TRITONSERVER_REQUEST_RELEASE_ALL = 1
TRITONSERVER_REQUEST_RELEASE_RESCHEDULE = 2
TRITONSERVER_MEMORY_GPU = 0
TRITONSERVER_MEMORY_CPU = 1

_TYPE_NUMBERS = {
    "TYPE_INVALID": 0,
    "TYPE_BOOL": 1,
    "TYPE_UINT8": 2,
    "TYPE_UINT16": 3,
    "TYPE_UINT32": 4,
    "TYPE_UINT64": 5,
    "TYPE_INT8": 6,
    "TYPE_INT16": 7,
    "TYPE_INT32": 8,
    "TYPE_INT64": 9,
    "TYPE_FP16": 10,
    "TYPE_FP32": 11,
    "TYPE_FP64": 12,
    "TYPE_STRING": 13,
    "TYPE_BF16": 14,
}
_NUMPY_OF_TYPE: dict[int, Any] = {
    1: np.bool_,
    2: np.uint8,
    3: np.uint16,
    4: np.uint32,
    5: np.uint64,
    6: np.int8,
    7: np.int16,
    8: np.int32,
    9: np.int64,
    10: np.float16,
    11: np.float32,
    12: np.float64,
    13: np.object_,
}
_BF16 = 14


class TritonModelException(Exception):
    """Raised by the backend utilities; models may raise it too."""


class TritonError:
    """An error attached to a response. Codes map to HTTP statuses as Triton's do."""

    UNKNOWN = 0
    INTERNAL = 1
    NOT_FOUND = 2
    INVALID_ARG = 3
    UNAVAILABLE = 4
    UNSUPPORTED = 5
    ALREADY_EXISTS = 6
    CANCELLED = 7

    def __init__(self, message: str, code: int = INTERNAL) -> None:
        if not isinstance(message, str):
            raise TypeError("TritonError message must be a str")
        if code not in range(0, 8):
            raise TritonModelException(f"invalid TritonError code {code}")
        self._message = message
        self._code = code

    def message(self) -> str:
        return self._message

    def code(self) -> int:
        return self._code

    def __repr__(self) -> str:
        return f"TritonError({self._message!r}, code={self._code})"


def triton_to_numpy_type(data_type: int) -> Any:
    return _NUMPY_OF_TYPE.get(data_type)


def numpy_to_triton_type(data_type: Any) -> int | None:
    dtype = np.dtype(data_type)
    if dtype == np.object_ or dtype.type == np.bytes_:
        return 13
    for number, numpy_type in _NUMPY_OF_TYPE.items():
        if number != 13 and dtype == np.dtype(numpy_type):
            return number
    return None


def triton_string_to_numpy(triton_type_string: str) -> Any:
    """`"TYPE_UINT8"` -> np.uint8. Like the real one, TYPE_BF16 has no entry (KeyError)."""
    mapping = {name: _NUMPY_OF_TYPE[number] for name, number in _TYPE_NUMBERS.items() if number in _NUMPY_OF_TYPE}
    return mapping[triton_type_string]


def serialize_byte_tensor(input_tensor: np.ndarray) -> np.ndarray:
    """Triton's BYTES wire form: each element as a 4-byte little-endian length, then its bytes."""
    if input_tensor.size == 0:
        return np.empty([0], dtype=np.object_)
    if input_tensor.dtype != np.object_ and input_tensor.dtype.type != np.bytes_:
        raise TritonModelException("cannot serialize bytes tensor: invalid datatype")
    chunks: list[bytes] = []
    for item in input_tensor.reshape(-1, order="C"):
        data = item if isinstance(item, bytes) else str(item).encode("utf-8")
        chunks.append(struct.pack("<I", len(data)))
        chunks.append(data)
    return np.frombuffer(b"".join(chunks), dtype=np.uint8)


def deserialize_bytes_tensor(encoded_tensor: bytes) -> np.ndarray:
    """The inverse of serialize_byte_tensor: a flat object array of bytes."""
    strings: list[bytes] = []
    offset = 0
    buffer = bytes(encoded_tensor)
    while offset < len(buffer):
        (length,) = struct.unpack_from("<I", buffer, offset)
        offset += 4
        strings.append(buffer[offset : offset + length])
        offset += length
    return np.array(strings, dtype=np.object_)


class Tensor:
    """A named tensor. Construction copies the data, as the real one copies it into shared memory."""

    def __init__(self, name: str, array: Any) -> None:
        if not isinstance(name, str):
            raise TypeError("Tensor name must be a str")
        if name == "":
            raise TritonModelException("Tensor name cannot be an empty string.")
        value = np.asarray(array)
        triton_type = numpy_to_triton_type(value.dtype) if value.dtype.kind != "U" else None
        if triton_type is None:
            raise TritonModelException(f"NumPy dtype is not supported: {value.dtype}")
        if triton_type == 13:
            # Through the wire form and back, like the real tensor: elements become bytes.
            flat = [item if isinstance(item, bytes) else str(item).encode("utf-8") for item in value.reshape(-1)]
            copied = np.empty(len(flat), dtype=np.object_)
            copied[:] = flat
            value = copied.reshape(value.shape)
        else:
            value = np.array(value, copy=True, order="C")
        self._name = name
        self._array: np.ndarray | None = value
        self._torch: Any = None
        self._triton_type = triton_type

    @classmethod
    def _from_torch(cls, name: str, torch_tensor: Any) -> Tensor:
        tensor = cls.__new__(cls)
        tensor._name = name
        tensor._array = None
        tensor._torch = torch_tensor.detach().clone().contiguous()
        tensor._triton_type = _BF16
        return tensor

    def name(self) -> str:
        return self._name

    def as_numpy(self) -> np.ndarray:
        if self._array is None:
            raise TritonModelException("Tensor dtype used is not supported by NumPy: use to_dlpack() for BF16 tensors.")
        return self._array

    def shape(self) -> list[int]:
        return list(self._array.shape if self._array is not None else self._torch.shape)

    def triton_dtype(self) -> int:
        return self._triton_type

    def is_cpu(self) -> bool:
        return True

    def to_dlpack(self) -> Any:
        if self._triton_type == 13:
            raise TritonModelException("DLPack does not support string tensors.")
        if self._torch is not None:
            from torch.utils import dlpack

            return dlpack.to_dlpack(self._torch)
        assert self._array is not None
        return self._array.__dlpack__()

    def __dlpack__(self, stream: Any = None) -> Any:
        return self.to_dlpack()

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)  # kDLCPU, device 0

    @staticmethod
    def from_dlpack(name: str, dlpack_object: Any) -> Tensor:
        """A tensor from a DLPack capsule or any object with __dlpack__ (C-contiguous only)."""
        is_capsule = type(dlpack_object).__name__ == "PyCapsule"
        if not is_capsule and hasattr(dlpack_object, "__dlpack__"):
            try:
                return Tensor(name, np.from_dlpack(dlpack_object))
            except (TypeError, RuntimeError, BufferError):
                pass  # e.g. bfloat16, which numpy cannot hold: keep it as a torch tensor
        try:
            import torch
            from torch.utils import dlpack
        except ImportError as error:
            raise TritonModelException("this DLPack object needs torch to be read") from error
        torch_tensor = dlpack.from_dlpack(dlpack_object) if is_capsule else torch.from_dlpack(dlpack_object)
        if torch_tensor.dtype == torch.bfloat16:
            return Tensor._from_torch(name, torch_tensor)
        return Tensor(name, torch_tensor.cpu().numpy())

    def __repr__(self) -> str:
        return f"Tensor({self._name!r}, type={self._triton_type}, shape={self.shape()})"


class InferenceResponse:
    """The answer to one request: output tensors, or an error."""

    def __init__(self, output_tensors: list[Tensor] | None = None, error: TritonError | None = None, parameters: dict[str, Any] | str | None = None) -> None:
        tensors = [] if output_tensors is None else output_tensors
        if not isinstance(tensors, list) or not all(isinstance(t, Tensor) for t in tensors):
            raise TypeError("InferenceResponse output_tensors must be a list of pb_utils.Tensor")
        if error is not None and not isinstance(error, TritonError):
            raise TypeError("InferenceResponse error must be a pb_utils.TritonError")
        self._tensors = list(tensors)
        self._error = error
        self._parameters = parameters if isinstance(parameters, str) else json.dumps(parameters or {})

    def output_tensors(self) -> list[Tensor]:
        return list(self._tensors)

    def has_error(self) -> bool:
        return self._error is not None

    def error(self) -> TritonError | None:
        return self._error

    def parameters(self) -> str:
        return self._parameters


class InferenceResponseSender:
    """Streams responses of a decoupled model; closes after the final flag, as the real one does."""

    def __init__(self, on_send: Callable[[InferenceResponse | None, int], None] | None = None) -> None:
        self._on_send = on_send
        self._closed = False
        self._cancelled = False
        self.sent: list[tuple[InferenceResponse | None, int]] = []

    def send(self, response: InferenceResponse | None = None, flags: int = 0) -> None:
        if self._closed:
            raise TritonModelException("Unable to send response. Response sender has been closed.")
        if response is None and flags != TRITONSERVER_RESPONSE_COMPLETE_FINAL:
            raise TritonModelException("Inference Response object cannot be None when flags is not TRITONSERVER_RESPONSE_COMPLETE_FINAL")
        if response is not None and not isinstance(response, InferenceResponse):
            raise TypeError("send() takes a pb_utils.InferenceResponse")
        if flags & TRITONSERVER_RESPONSE_COMPLETE_FINAL:
            self._closed = True
        self.sent.append((response, flags))
        if self._on_send is not None:
            self._on_send(response, flags)

    def is_cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Test and server hook: the client went away."""
        self._cancelled = True

    @property
    def closed(self) -> bool:
        return self._closed


# Set by the harness or by `serve` to run BLS requests against other loaded models.
_bls_executor: Callable[[InferenceRequest, bool], Any] | None = None


class InferenceRequest:
    """A request, as execute() receives it, or a BLS request a model builds to call another model."""

    def __init__(
        self,
        model_name: str = "",
        requested_output_names: list[str] | None = None,
        inputs: list[Tensor] | None = None,
        request_id: str = "",
        correlation_id: int | str = 0,
        model_version: int = -1,
        flags: int = 0,
        timeout: int = 0,
        preferred_memory: Any = None,
        trace: Any = None,
        parameters: dict[str, Any] | str | None = None,
    ) -> None:
        tensors = [] if inputs is None else inputs
        if not all(isinstance(t, Tensor) for t in tensors):
            raise TypeError("InferenceRequest inputs must be a list of pb_utils.Tensor")
        if isinstance(parameters, dict):
            for key, value in parameters.items():
                if not isinstance(key, str) or not isinstance(value, (bool, int, str)):
                    raise TritonModelException("request parameters must map str keys to bool, int or str values")
        self._model_name = model_name
        self._model_version = model_version
        self._requested = list(requested_output_names or [])
        self._inputs = list(tensors)
        self._request_id = request_id
        self._correlation_id = correlation_id
        self._flags = flags
        self._timeout = timeout
        self._parameters = parameters if isinstance(parameters, str) else json.dumps(parameters or {})
        self._sender: InferenceResponseSender | None = None
        self._cancelled = False
        self._release_flags = TRITONSERVER_REQUEST_RELEASE_ALL

    def inputs(self) -> list[Tensor]:
        return list(self._inputs)

    def request_id(self) -> str:
        return self._request_id

    def correlation_id(self) -> int | str:
        return self._correlation_id

    def flags(self) -> int:
        return self._flags

    def set_flags(self, flags: int) -> None:
        self._flags = flags

    def timeout(self) -> int:
        return self._timeout

    def parameters(self) -> str:
        return self._parameters

    def requested_output_names(self) -> set[str]:
        return set(self._requested)

    def model_name(self) -> str:
        return self._model_name

    def get_response_sender(self) -> InferenceResponseSender:
        if self._sender is None:
            self._sender = InferenceResponseSender()
        return self._sender

    def is_cancelled(self) -> bool:
        return self._cancelled or (self._sender is not None and self._sender.is_cancelled())

    def set_release_flags(self, flags: int) -> None:
        self._release_flags = flags

    def trace(self) -> Any:
        return None

    def exec(self, decoupled: bool = False) -> Any:
        if _bls_executor is None:
            raise TritonModelException("BLS needs the other models loaded: run the model with `create-triton-model serve`")
        return _bls_executor(self, decoupled)

    async def async_exec(self, decoupled: bool = False) -> Any:
        return self.exec(decoupled)


class Logger:
    """Log lines as Triton prints them. `sink` receives (level name, message)."""

    INFO = 0
    WARNING = 1
    ERROR = 2
    VERBOSE = 3
    _LEVEL_NAMES = {0: "INFO", 1: "WARNING", 2: "ERROR", 3: "VERBOSE"}
    sink: Callable[[str, str], None] | None = None
    records: list[tuple[str, str]] = []

    @staticmethod
    def log(message: str, level: int = 0) -> None:
        name = Logger._LEVEL_NAMES.get(level, "INFO")
        Logger.records.append((name, str(message)))
        if Logger.sink is not None:
            Logger.sink(name, str(message))
        else:
            print(f"{name[0]} {message}", file=sys.stderr)

    @staticmethod
    def log_info(message: str) -> None:
        Logger.log(message, Logger.INFO)

    @staticmethod
    def log_warn(message: str) -> None:
        Logger.log(message, Logger.WARNING)

    @staticmethod
    def log_error(message: str) -> None:
        Logger.log(message, Logger.ERROR)

    @staticmethod
    def log_verbose(message: str) -> None:
        Logger.log(message, Logger.VERBOSE)


class ModelConfig:
    """What auto_complete_config receives: the config so far, with setters that refuse conflicts."""

    def __init__(self, model_config: dict[str, Any]) -> None:
        self._model_config = model_config

    def as_dict(self) -> dict[str, Any]:
        return self._model_config

    def set_max_batch_size(self, max_batch_size: int) -> None:
        current = self._model_config.get("max_batch_size", 0)
        if current != max_batch_size and current != 0:
            raise ValueError(
                f"configuration specified max_batch_size: {current}, but in auto-complete-config function for model '{self._model_config.get('name', '')}' specified max_batch_size: {max_batch_size}"
            )
        self._model_config["max_batch_size"] = max_batch_size

    def set_dynamic_batching(self) -> None:
        if "sequence_batching" in self._model_config:
            raise ValueError("Configuration specified scheduling_choice as 'sequence_batching', but auto-complete-config function is trying to set it to 'dynamic_batching'")
        self._model_config.setdefault("dynamic_batching", {})

    def _add_tensor(self, side: str, tensor: dict[str, Any]) -> None:
        allowed = {"name", "data_type", "dims", "optional"} if side == "input" else {"name", "data_type", "dims"}
        if not isinstance(tensor, dict):
            raise ValueError(f"{side} in auto-complete-config must be a dict")
        for key in tensor:
            if key not in allowed:
                raise ValueError(f"unexpected key '{key}' in {side} of auto-complete-config (allowed: {sorted(allowed)})")
        if "name" not in tensor:
            raise ValueError(f"{side} in auto-complete-config function must have a 'name'")
        existing = self._model_config.setdefault(side, [])
        for current in existing:
            if current.get("name") != tensor["name"]:
                continue
            for key in ("data_type", "dims"):
                if key in tensor and key in current and current[key] != tensor[key] and current[key] not in ("TYPE_INVALID", []):
                    raise ValueError(f"{side} '{tensor['name']}' {key} in config.pbtxt differs from auto-complete-config")
                if key in tensor:
                    current[key] = tensor[key]
            return
        existing.append(dict(tensor))

    def add_input(self, input: dict[str, Any]) -> None:
        self._add_tensor("input", input)

    def add_output(self, output: dict[str, Any]) -> None:
        self._add_tensor("output", output)

    def set_model_transaction_policy(self, transaction_policy_dict: dict[str, Any]) -> None:
        for key in transaction_policy_dict:
            if key != "decoupled":
                raise ValueError(f"unexpected key '{key}' in model_transaction_policy (allowed: decoupled)")
        self._model_config.setdefault("model_transaction_policy", {}).update(transaction_policy_dict)


class PreferredMemory:
    def __init__(self, preferred_memory_type: int, preferred_device_id: int = 0) -> None:
        self.preferred_memory_type = preferred_memory_type
        self.preferred_device_id = preferred_device_id


class Metric:
    def __init__(self, family: MetricFamily, labels: dict[str, str] | None, buckets: list[float] | None) -> None:
        self._family = family
        self._labels = dict(labels or {})
        self._value = 0.0
        self._buckets = buckets
        self.observations: list[float] = []

    def increment(self, value: float) -> None:
        if self._family.kind != MetricFamily.COUNTER and self._family.kind != MetricFamily.GAUGE:
            raise TritonModelException("increment() is only for counters and gauges")
        if self._family.kind == MetricFamily.COUNTER and value < 0:
            raise TritonModelException("a counter cannot be decremented")
        self._value += value

    def set(self, value: float) -> None:
        if self._family.kind != MetricFamily.GAUGE:
            raise TritonModelException("set() is only for gauges")
        self._value = value

    def observe(self, value: float) -> None:
        if self._family.kind != MetricFamily.HISTOGRAM:
            raise TritonModelException("observe() is only for histograms")
        self.observations.append(value)

    def value(self) -> float:
        return self._value


class MetricFamily:
    COUNTER = 0
    GAUGE = 1
    HISTOGRAM = 2

    def __init__(self, name: str, description: str, kind: int) -> None:
        self.name = name
        self.description = description
        self.kind = kind
        self.metrics: list[Metric] = []

    def Metric(self, labels: dict[str, str] | None = None, buckets: list[float] | None = None) -> Metric:  # noqa: N802 - the real name
        if self.kind == MetricFamily.HISTOGRAM and not buckets:
            raise TritonModelException("histogram metrics need buckets")
        metric = Metric(self, labels, buckets)
        self.metrics.append(metric)
        return metric


def get_input_tensor_by_name(inference_request: InferenceRequest, name: str) -> Tensor | None:
    for tensor in inference_request.inputs():
        if tensor.name() == name:
            return tensor
    return None


def get_output_tensor_by_name(inference_response: InferenceResponse, name: str) -> Tensor | None:
    for tensor in inference_response.output_tensors():
        if tensor.name() == name:
            return tensor
    return None


def get_input_config_by_name(model_config: dict[str, Any], name: str) -> dict[str, Any] | None:
    for entry in model_config.get("input", []):
        if entry.get("name") == name:
            return entry
    return None


def get_output_config_by_name(model_config: dict[str, Any], name: str) -> dict[str, Any] | None:
    for entry in model_config.get("output", []):
        if entry.get("name") == name:
            return entry
    return None


def using_decoupled_model_transaction_policy(model_config: dict[str, Any]) -> bool:
    return bool(model_config.get("model_transaction_policy", {}).get("decoupled", False))


# Model management from model.py needs a server; `serve` installs these hooks.
_model_manager: Any = None


def load_model(model_name: str, config: str = "", files: dict[str, bytes] | None = None) -> None:
    if _model_manager is None:
        raise TritonModelException("load_model needs a server in explicit model-control mode")
    _model_manager.load(model_name, config, files)


def unload_model(model_name: str, unload_dependents: bool = False) -> None:
    if _model_manager is None:
        raise TritonModelException("unload_model needs a server in explicit model-control mode")
    _model_manager.unload(model_name, unload_dependents)


def is_model_ready(model_name: str, model_version: str = "") -> bool:
    if _model_manager is None:
        return False
    return bool(_model_manager.is_ready(model_name, model_version))


class ResponseIterator:
    """Responses of a decoupled BLS call, in order."""

    def __init__(self, responses: list[InferenceResponse]) -> None:
        self._responses = responses
        self._cancelled = False

    def __iter__(self) -> Iterator[InferenceResponse]:
        for response in self._responses:
            if self._cancelled:
                return
            yield response

    def cancel(self) -> None:
        self._cancelled = True
