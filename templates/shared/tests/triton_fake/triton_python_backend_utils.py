"""An in-process stand-in for Triton's `triton_python_backend_utils`, for running model.py without Triton.

It follows the real module (python_backend's pb_stub.cc bindings and
triton_python_backend_utils.py) where model code can tell the difference: tensors copy their
data, string tensors come back as object arrays of bytes, numpy unicode arrays and BF16
`as_numpy()` are refused, a response sender closes after the final flag, errors carry Triton's
codes. It is what the project's tests import (see conftest.py) and what
`create-triton-model serve` runs models with. It is not a server: batching, GPUs and shared
memory are out of its scope.

Its public names and signatures are those of typings/triton_python_backend_utils.pyi (the
CLI's test suite holds them together). What tests and `serve` need beyond them is private
(`_records`, `_on_send`, `_cancel`, ...), so model code cannot come to rely on it.
"""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Callable
from typing import Any

import numpy as np


class _EnumValue(int):
    """A value of one of the binding's C++ enums (error codes, log levels, metric kinds, memory types).

    It compares as its number, but the real constructors take only the enum's own values:
    TritonError("bad", 3) fails in Triton with "incompatible constructor arguments", so it fails here.
    """

    enum: str
    label: str

    def __new__(cls, enum: str, label: str, number: int) -> _EnumValue:
        value = super().__new__(cls, number)
        value.enum = enum
        value.label = label
        return value

    def __repr__(self) -> str:
        return f"<{self.enum}.{self.label}: {int(self)}>"


def _text(value: Any, where: str) -> str:
    """A string argument as the binding takes it (a C++ std::string): str, or bytes (numpy's too, e.g.
    an element of a BYTES tensor), which are decoded here as UTF-8."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    raise TypeError(f"{where}: incompatible arguments: expected str or bytes, got {type(value).__name__}")


def _sequence(value: Any, where: str) -> list[Any]:
    """A list argument as the binding takes it (a C++ std::vector): any sequence, a list or a tuple,
    but not a str, bytes, set or dict."""
    if isinstance(value, (str, bytes, bytearray, dict, set, frozenset)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{where}: incompatible arguments: expected a list (or tuple), got {type(value).__name__}")
    return list(value)


def _unsigned(value: Any, where: str, bits: int) -> int:
    """An integer argument the binding holds unsigned: an int (numpy's too, or a bool), not a float or str."""
    if isinstance(value, float) or not hasattr(value, "__index__"):
        raise TypeError(f"{where}: incompatible arguments: expected an int, got {type(value).__name__}")
    number = value.__index__()
    if not 0 <= number < 2**bits:
        raise TypeError(f"{where}: incompatible arguments: {number} is not an unsigned {bits}-bit integer")
    return number


def _require_enum(value: Any, enum: str, where: str, example: str) -> _EnumValue:
    if not isinstance(value, _EnumValue) or value.enum != enum:
        raise TypeError(f"{where}: incompatible arguments: expected a {enum} constant such as {example}, got {value!r}")
    return value


# Flags and enums, with the values of the real module.
TRITONSERVER_RESPONSE_COMPLETE_FINAL = 1
TRITONSERVER_REQUEST_FLAG_SEQUENCE_START = 1
TRITONSERVER_REQUEST_FLAG_SEQUENCE_END = 2
TRITONSERVER_REQUEST_RELEASE_ALL = 1
TRITONSERVER_REQUEST_RELEASE_RESCHEDULE = 2
TRITONSERVER_MEMORY_GPU = _EnumValue("MemoryType", "TRITONSERVER_MEMORY_GPU", 0)
TRITONSERVER_MEMORY_CPU = _EnumValue("MemoryType", "TRITONSERVER_MEMORY_CPU", 1)

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

    UNKNOWN = _EnumValue("TritonError code", "UNKNOWN", 0)
    INTERNAL = _EnumValue("TritonError code", "INTERNAL", 1)
    NOT_FOUND = _EnumValue("TritonError code", "NOT_FOUND", 2)
    INVALID_ARG = _EnumValue("TritonError code", "INVALID_ARG", 3)
    UNAVAILABLE = _EnumValue("TritonError code", "UNAVAILABLE", 4)
    UNSUPPORTED = _EnumValue("TritonError code", "UNSUPPORTED", 5)
    ALREADY_EXISTS = _EnumValue("TritonError code", "ALREADY_EXISTS", 6)
    CANCELLED = _EnumValue("TritonError code", "CANCELLED", 7)

    def __init__(self, message: str, code: int = INTERNAL) -> None:
        message = _text(message, "TritonError()")
        _require_enum(code, "TritonError code", "TritonError()", "TritonError.INVALID_ARG")
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
    """Compared with `==` as the real one does: np.dtype("float32") and np.float32 match, the builtin bool does not."""
    if data_type == np.object_ or data_type == np.bytes_:
        return 13
    for number, numpy_type in _NUMPY_OF_TYPE.items():
        if data_type == numpy_type:
            return number
    return None


# As in the real module: TYPE_BOOL gives the builtin bool, and TYPE_BF16 has no entry (KeyError).
_NUMPY_OF_TYPE_STRING: dict[str, Any] = {
    name: (bool if number == 1 else _NUMPY_OF_TYPE[number]) for name, number in _TYPE_NUMBERS.items() if number in _NUMPY_OF_TYPE
}


def _triton_type_of(dtype: np.dtype[Any]) -> int | None:
    """The Triton type a numpy array's dtype becomes in a Tensor (any width of np.bytes_ is TYPE_STRING)."""
    if dtype.kind == "U":
        return None
    if dtype == np.object_ or dtype.type == np.bytes_:
        return 13
    return numpy_to_triton_type(dtype)


def triton_string_to_numpy(triton_type_string: str) -> Any:
    """`"TYPE_UINT8"` -> np.uint8, `"TYPE_BOOL"` -> bool; KeyError for TYPE_BF16."""
    return _NUMPY_OF_TYPE_STRING[triton_type_string]


def serialize_byte_tensor(input_tensor: np.ndarray) -> bytes | tuple[()] | None:
    """Triton's BYTES wire form: each element as a 4-byte little-endian length, then its bytes.

    Returns what the real one returns: the bytes, `()` for an empty tensor, None for a tensor that is not bytes.
    """
    if input_tensor.size == 0:
        return ()
    if input_tensor.dtype != np.object_ and input_tensor.dtype.type != np.bytes_:
        return None
    chunks: list[bytes] = []
    for item in input_tensor.reshape(-1, order="C"):
        data = item if isinstance(item, bytes) else str(item).encode("utf-8")
        chunks.append(struct.pack("<I", len(data)))
        chunks.append(data)
    return b"".join(chunks)


def deserialize_bytes_tensor(encoded_tensor: bytes) -> np.ndarray:
    """The inverse of serialize_byte_tensor: a flat object array of bytes."""
    strings: list[bytes] = []
    offset = 0
    buffer = bytes(encoded_tensor)
    while offset < len(buffer):
        if offset + 4 > len(buffer):
            raise ValueError("Invalid bytes tensor data: incomplete length field")
        (length,) = struct.unpack_from("<I", buffer, offset)
        offset += 4
        if offset + length > len(buffer):
            raise ValueError("Invalid bytes tensor data: string extends beyond buffer")
        strings.append(buffer[offset:offset + length])
        offset += length
    return np.array(strings, dtype=np.object_)


class Tensor:
    """A named tensor. Construction copies the data, as the real one copies it into shared memory."""

    def __init__(self, name: str, array: np.ndarray, /) -> None:
        # The binding names neither argument (positional only) and takes a numpy array only (not a
        # list or a numpy scalar); the name may be str or bytes.
        if not isinstance(name, (str, bytes, bytearray)) or not isinstance(array, np.ndarray):
            raise TypeError(
                "Tensor(): incompatible constructor arguments: expected (str, "
                f"numpy.ndarray), got ({type(name).__name__}, {type(array).__name__})"
            )
        name = _text(name, "Tensor()")
        if name == "":
            raise TritonModelException("Tensor name cannot be an empty string.")
        value = array
        triton_type = _triton_type_of(value.dtype)
        if triton_type is None:
            raise TritonModelException("NumPy dtype is not supported.")
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
    def from_dlpack(name: str, dlpack_object: Any, /) -> Tensor:
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

    def __init__(self, output_tensors: list[Tensor] = [], error: TritonError | None = None, parameters: dict[str, Any] | None = None) -> None:  # noqa: B006 - never mutated, as the binding's default list
        tensors = _sequence(output_tensors, "InferenceResponse()")
        if any(tensor is None for tensor in tensors):
            raise TritonModelException("Output tensor for inference response should not be empty.")
        if not all(isinstance(t, Tensor) for t in tensors):
            raise TypeError("InferenceResponse(): incompatible constructor arguments: output_tensors must be pb_utils.Tensor objects")
        if error is not None and not isinstance(error, TritonError):
            raise TypeError("InferenceResponse(): incompatible constructor arguments: error must be a pb_utils.TritonError")
        self._tensors = tensors
        self._error = error
        self._parameters = _parameters_json(parameters)

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
        self._sent: list[tuple[InferenceResponse | None, int]] = []

    def send(self, response: InferenceResponse | None = None, flags: int = 0) -> None:
        if self._closed:
            raise TritonModelException("Unable to send response. Response sender has been closed.")
        if response is None and flags != TRITONSERVER_RESPONSE_COMPLETE_FINAL:
            raise TritonModelException("Inference Response object cannot be None when flags is not TRITONSERVER_RESPONSE_COMPLETE_FINAL")
        if response is not None and not isinstance(response, InferenceResponse):
            raise TypeError("send() takes a pb_utils.InferenceResponse")
        if flags & TRITONSERVER_RESPONSE_COMPLETE_FINAL:
            self._closed = True
        self._sent.append((response, flags))
        if self._on_send is not None:
            self._on_send(response, flags)

    def is_cancelled(self) -> bool:
        return self._cancelled

    def _cancel(self) -> None:
        """Test and server hook: the client went away."""
        self._cancelled = True


def _parameters_json(parameters: Any) -> str:
    """Request and response parameters as the binding stores them: a dict of bool, int or str values, as JSON (its messages)."""
    if parameters is None:
        return "{}"
    if not isinstance(parameters, dict):
        raise TritonModelException(f"Expect N8pybind114dictE, got {type(parameters)}")
    for key, value in parameters.items():
        if not isinstance(key, str):
            raise TritonModelException(f"Expect parameters keys to have type str, found type {type(key)}")
        if not isinstance(value, (bool, int, str)):
            raise TritonModelException(f"Expect parameters values to have type bool/int/str, found type {type(value)}")
    return json.dumps(parameters)


class _InferenceTrace:
    """What request.trace() returns, to pass on to a BLS request (trace=request.trace())."""

    def get_context(self) -> str | None:
        return None


_DEFAULT = object()  # an argument the binding defaults to an object of its own (and refuses None for)


# Set by the harness or by `serve` to run BLS requests against other loaded models.
_bls_executor: Callable[[InferenceRequest, bool], Any] | None = None


class InferenceRequest:
    """A request, as execute() receives it, or a BLS request a model builds to call another model."""

    def __init__(
        self,
        *,
        model_name: str,
        requested_output_names: list[str],
        inputs: list[Tensor],
        request_id: str = "",
        correlation_id: int | str = 0,
        model_version: int = -1,
        flags: int = 0,
        timeout: int = 0,
        preferred_memory: Any = _DEFAULT,
        trace: Any = _DEFAULT,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        # Keywords only: the binding's positional order (request_id first) is not the documented one.
        # Each argument takes what the binding converts: str or bytes for names, any list or tuple.
        model_name = _text(model_name, "InferenceRequest() model_name")
        request_id = _text(request_id, "InferenceRequest() request_id")
        requested_names = _sequence(requested_output_names, "InferenceRequest() requested_output_names")
        requested = [_text(name, "InferenceRequest() requested_output_names") for name in requested_names]
        tensors = _sequence(inputs, "InferenceRequest() inputs")
        if any(tensor is None for tensor in tensors):
            raise TritonModelException(
                f"Input tensor for request with id '{request_id}' "
                f"and model name '{model_name}' should not be empty."
            )
        if not all(isinstance(t, Tensor) for t in tensors):
            raise TypeError("InferenceRequest(): incompatible constructor arguments: inputs must be pb_utils.Tensor objects")
        if isinstance(model_version, float) or not hasattr(model_version, "__index__"):
            raise TypeError(
                "InferenceRequest(): incompatible constructor arguments: "
                f"model_version must be an int, got {type(model_version).__name__}"
            )
        flags = _unsigned(flags, "InferenceRequest() flags", 32)
        timeout = _unsigned(timeout, "InferenceRequest() timeout", 64)
        if preferred_memory is not _DEFAULT and not isinstance(preferred_memory, PreferredMemory):
            raise TypeError("InferenceRequest(): incompatible constructor arguments: preferred_memory must be a pb_utils.PreferredMemory")
        if trace is not _DEFAULT and not isinstance(trace, _InferenceTrace):
            raise TypeError("InferenceRequest(): incompatible constructor arguments: trace must be what request.trace() returns")
        if not isinstance(correlation_id, (int, str)):
            raise TritonModelException("Correlation ID must be integer or string")
        if isinstance(correlation_id, int) and not 0 <= correlation_id < 2**64:
            raise RuntimeError(
                "Unable to cast Python instance to C++ type (#define PYBIND11_DETAILED_ERROR_MESSAGES or compile in debug mode for details)"
            )
        self._model_name = model_name
        self._model_version = model_version.__index__()
        self._requested = requested
        self._inputs = tensors
        self._request_id = request_id
        self._correlation_id = correlation_id if isinstance(correlation_id, str) else int(correlation_id)
        self._flags = flags
        self._timeout = timeout
        self._parameters = _parameters_json(parameters)
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

    def set_flags(self, flags: int, /) -> None:
        self._flags = flags

    def timeout(self) -> int:
        return self._timeout

    def parameters(self) -> str:
        return self._parameters

    def requested_output_names(self) -> set[str]:
        return set(self._requested)

    def get_response_sender(self) -> InferenceResponseSender:
        if self._sender is None:
            self._sender = InferenceResponseSender()
        return self._sender

    def is_cancelled(self) -> bool:
        return self._cancelled or (self._sender is not None and self._sender.is_cancelled())

    def set_release_flags(self, flags: int, /) -> None:
        self._release_flags = flags

    def trace(self) -> Any:
        return _InferenceTrace()

    def exec(self, decoupled: bool = False) -> Any:
        if _bls_executor is None:
            raise TritonModelException("BLS needs the other models loaded: run the model with `create-triton-model serve`")
        return _bls_executor(self, decoupled)

    async def async_exec(self, decoupled: bool = False) -> Any:
        return self.exec(decoupled)


class Logger:
    """Log lines as Triton prints them. `sink` receives (level name, message)."""

    INFO = _EnumValue("LogLevel", "INFO", 0)
    WARNING = _EnumValue("LogLevel", "WARNING", 1)
    ERROR = _EnumValue("LogLevel", "ERROR", 2)
    VERBOSE = _EnumValue("LogLevel", "VERBOSE", 3)
    # Test and server hooks: every line logged, and where lines go instead of stderr.
    _sink: Callable[[str, str], None] | None = None
    _records: list[tuple[str, str]] = []

    @staticmethod
    def log(message: str, level: int = INFO) -> None:
        name = _require_enum(level, "LogLevel", "Logger.log()", "Logger.WARNING").label
        Logger._records.append((name, str(message)))
        if Logger._sink is not None:
            Logger._sink(name, str(message))
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
    """What auto_complete_config receives: the config so far, with setters that refuse conflicts (ValueError).

    Built, as Triton builds it, from the config as a JSON string; the checks follow the real module's.
    """

    def __init__(self, model_config: str) -> None:
        self._model_config: dict[str, Any] = json.loads(model_config)

    def as_dict(self) -> dict[str, Any]:
        return self._model_config

    def _name(self) -> str:
        return str(self._model_config.get("name", ""))

    def set_max_batch_size(self, max_batch_size: int) -> None:
        current = self._model_config.get("max_batch_size", 0)
        if current > max_batch_size:
            raise ValueError(
                f"configuration specified max_batch_size {current}, but in auto-complete-config "
                f"function for model '{self._name()}' specified max_batch_size {max_batch_size}"
            )
        self._model_config["max_batch_size"] = max_batch_size

    def set_dynamic_batching(self) -> None:
        for scheduler in ("sequence_batching", "ensemble_scheduling"):
            if scheduler in self._model_config:
                raise ValueError(
                    f"Configuration specified scheduling_choice as '{scheduler}', but auto-complete-config "
                    f"function for model '{self._name()}' tries to set scheduling_choice as 'dynamic_batching'"
                )
        self._model_config.setdefault("dynamic_batching", {})

    def _add_tensor(self, side: str, tensor: dict[str, Any]) -> None:
        allowed = ("name", "data_type", "dims", "optional") if side == "input" else ("name", "data_type", "dims")
        label = tensor.get("name", "") if isinstance(tensor, dict) else ""
        if not isinstance(tensor, dict):
            raise ValueError(f"{side} in auto-complete-config function for model '{self._name()}' must be a dict")
        for key in tensor:
            if key not in allowed:
                raise ValueError(
                    f"{side} '{label}' in auto-complete-config function for model '{self._name()}' "
                    f"contains property other than {', '.join(repr(a) for a in allowed)}."
                )
        for key in ("name", "data_type", "dims"):
            if key not in tensor:
                raise ValueError(
                    f"{side} '{label}' in auto-complete-config function for "
                    f"model '{self._name()}' is missing '{key}' property."
                )
        for current in self._model_config.setdefault(side, []):
            if current.get("name") != tensor["name"]:
                continue
            if current.get("data_type", "TYPE_INVALID") not in ("TYPE_INVALID", tensor["data_type"]):
                raise ValueError(
                    f"unable to load model '{self._name()}', configuration expects datatype "
                    f"{current['data_type']} for {side} '{label}', model provides {tensor['data_type']}"
                )
            if current.get("dims") and current["dims"] != tensor["dims"]:
                raise ValueError(
                    f"model '{self._name()}', tensor '{label}': the model expects dims "
                    f"{tensor['dims']} but the model configuration specifies dims {current['dims']}"
                )
            if "optional" in current and "optional" in tensor and current["optional"] != tensor["optional"]:
                raise ValueError(
                    f"model '{self._name()}', tensor '{label}': the model expects optional {tensor['optional']} "
                    f"but the model configuration specifies optional {current['optional']}"
                )
            current.update(tensor)
            return
        self._model_config[side].append(tensor)

    def add_input(self, input: dict[str, Any]) -> None:
        self._add_tensor("input", input)

    def add_output(self, output: dict[str, Any]) -> None:
        self._add_tensor("output", output)

    def set_model_transaction_policy(self, transaction_policy_dict: dict[str, Any]) -> None:
        for key in transaction_policy_dict:
            if key != "decoupled":
                raise ValueError(
                    "model transaction property in auto-complete-config function for "
                    f"model '{self._name()}' contains property other than 'decoupled'."
                )
        policy = self._model_config.setdefault("model_transaction_policy", {})
        if "decoupled" in transaction_policy_dict:
            if "decoupled" in policy and policy["decoupled"] != transaction_policy_dict["decoupled"]:
                raise ValueError(
                    "trying to change decoupled property in auto-complete-config for model "
                    f"'{self._name()}', which is already set to '{policy['decoupled']}'."
                )
            policy["decoupled"] = transaction_policy_dict["decoupled"]


class PreferredMemory:
    def __init__(self, preferred_memory_type: int, preferred_device_id: int = 0) -> None:
        _require_enum(preferred_memory_type, "MemoryType", "PreferredMemory()", "TRITONSERVER_MEMORY_CPU")
        self._preferred_memory_type = preferred_memory_type
        self._preferred_device_id = preferred_device_id


class Metric:
    def __init__(self, family: MetricFamily, labels: dict[str, str] | None, buckets: list[float] | None) -> None:
        self._family = family
        self._labels = dict(labels or {})
        self._value = 0.0
        self._buckets = buckets
        self._observations: list[float] = []

    def increment(self, value: float, /) -> None:
        if self._family._kind != MetricFamily.COUNTER and self._family._kind != MetricFamily.GAUGE:
            raise TritonModelException("increment() is only for counters and gauges")
        if self._family._kind == MetricFamily.COUNTER and value < 0:
            raise TritonModelException("a counter cannot be decremented")
        self._value += value

    def set(self, value: float, /) -> None:
        if self._family._kind != MetricFamily.GAUGE:
            raise TritonModelException("set() is only for gauges")
        self._value = value

    def observe(self, value: float, /) -> None:
        if self._family._kind != MetricFamily.HISTOGRAM:
            raise TritonModelException("observe() is only for histograms")
        self._observations.append(value)

    def value(self) -> float:
        return self._value


class MetricFamily:
    COUNTER = _EnumValue("MetricKind", "COUNTER", 0)
    GAUGE = _EnumValue("MetricKind", "GAUGE", 1)
    HISTOGRAM = _EnumValue("MetricKind", "HISTOGRAM", 2)

    def __init__(self, name: str, description: str, kind: int) -> None:
        _require_enum(kind, "MetricKind", "MetricFamily()", "MetricFamily.COUNTER")
        self._name = name
        self._description = description
        self._kind = kind
        self._metrics: list[Metric] = []

    def Metric(self, labels: dict[str, str] | None = None, buckets: list[float] | None = None) -> Metric:  # noqa: N802 - the real name
        if self._kind == MetricFamily.HISTOGRAM and not buckets:
            raise TritonModelException("histogram metrics need buckets")
        metric = Metric(self, labels, buckets)
        self._metrics.append(metric)
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
    """Responses of a decoupled BLS call, in order. Like the real one, it is its own iterator."""

    def __init__(self, responses: list[InferenceResponse]) -> None:
        self._responses = list(responses)
        self._next = 0
        self._cancelled = False

    def __iter__(self) -> ResponseIterator:
        return self

    def __next__(self) -> InferenceResponse:
        if self._cancelled or self._next >= len(self._responses):
            raise StopIteration
        self._next += 1
        return self._responses[self._next - 1]

    def cancel(self) -> None:
        self._cancelled = True
