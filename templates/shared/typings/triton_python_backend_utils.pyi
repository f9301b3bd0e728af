"""Type stub for `triton_python_backend_utils`, the module Triton's Python backend gives model.py.

The real module exists only inside the Triton container (/opt/tritonserver/backends/python/),
and most of its names are injected at load time from the C++ `c_python_backend_utils`, so no
pip package provides it. This stub lets pyright, Pylance and other editors check model.py and
complete its calls; pyrightconfig.json points at it with "stubPath": "typings".

It lives outside models/ on purpose: a `triton_python_backend_utils.py` beside model.py would
shadow the server's real module and break loading. The fake used by the tests
(tests/triton_fake/triton_python_backend_utils.py) implements the same names and signatures.

Parameters followed by `/` are positional-only: the C++ binding gives them no names, so Triton
refuses them as keywords. `InferenceRequest(...)` takes keywords only: its binding's positional
order (request_id first) differs from the documented one, so keywords are the safe spelling.
Names may be str or bytes (the binding takes both, e.g. an element of a BYTES input), and lists
may be tuples.
"""

from collections.abc import Awaitable, Sequence
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

TRITONSERVER_RESPONSE_COMPLETE_FINAL: int
"""Response flag: the last response of a request (decoupled models send it, alone or with a response)."""
TRITONSERVER_REQUEST_FLAG_SEQUENCE_START: int
"""Request flag: the first request of a sequence."""
TRITONSERVER_REQUEST_FLAG_SEQUENCE_END: int
"""Request flag: the last request of a sequence."""
TRITONSERVER_REQUEST_RELEASE_ALL: int
"""Release flag: the request is done (the default)."""
TRITONSERVER_REQUEST_RELEASE_RESCHEDULE: int
"""Release flag: run the request again (needs sequence_batching { iterative_sequence: true })."""
TRITONSERVER_MEMORY_GPU: int
"""Memory type for PreferredMemory: BLS outputs in GPU memory."""
TRITONSERVER_MEMORY_CPU: int
"""Memory type for PreferredMemory: BLS outputs in CPU memory."""

class TritonModelException(Exception):
    """Raised by the backend's utilities; raise it (or any exception) from initialize, execute or finalize."""

class TritonError:
    """An error attached to a response: that request fails, the others in the batch still answer."""

    UNKNOWN: int
    """Error code: unknown (HTTP 400)."""
    INTERNAL: int
    """Error code: internal, the default (HTTP 500)."""
    NOT_FOUND: int
    """Error code: not found (HTTP 404)."""
    INVALID_ARG: int
    """Error code: invalid argument, for bad user input (HTTP 400)."""
    UNAVAILABLE: int
    """Error code: unavailable (HTTP 503)."""
    UNSUPPORTED: int
    """Error code: unsupported (HTTP 501)."""
    ALREADY_EXISTS: int
    """Error code: already exists (HTTP 400)."""
    CANCELLED: int
    """Error code: cancelled (HTTP 400; 23.10+)."""

    def __init__(self, message: str | bytes, code: int = ...) -> None:
        """An error with a message and a code: pass a class constant such as TritonError.INVALID_ARG (default INTERNAL)."""
    def message(self) -> str:
        """The error message."""
    def code(self) -> int:
        """The error code, one of the class constants."""

class PreferredMemory:
    """Where a BLS request would like its outputs: TRITONSERVER_MEMORY_CPU or TRITONSERVER_MEMORY_GPU."""

    def __init__(self, preferred_memory_type: int, preferred_device_id: int = 0) -> None:
        """Memory type and device id (0 for CPU)."""

class Tensor:
    """A named tensor: an input of a request, an output of a response."""

    def __init__(self, name: str | bytes, array: npt.NDArray[Any], /) -> None:
        """A tensor named `name` holding a copy of `array`; its dtype gives the Triton type (object of bytes for TYPE_STRING)."""
    def name(self) -> str:
        """The tensor's name."""
    def as_numpy(self) -> npt.NDArray[Any]:
        """The data as a numpy array (TYPE_STRING: object array of bytes); raises for BF16 and GPU tensors."""
    def shape(self) -> list[int]:
        """The tensor's shape."""
    def triton_dtype(self) -> int:
        """The Triton data type as its model_config.proto enum number (TYPE_FP32 is 11)."""
    def is_cpu(self) -> bool:
        """Whether the data is in CPU memory."""
    def to_dlpack(self) -> Any:
        """A DLPack capsule of the data (for torch.from_dlpack, BF16 included); not for string tensors."""
    def __dlpack__(self, stream: Any = None) -> Any:
        """The DLPack protocol: a capsule of the data."""
    def __dlpack_device__(self) -> tuple[int, int]:
        """The DLPack protocol: (device type, device id)."""
    @staticmethod
    def from_dlpack(name: str, dlpack_object: Any, /) -> Tensor:
        """A tensor from a DLPack capsule or any object with __dlpack__ (C-contiguous only), e.g. a torch tensor."""

class InferenceResponse:
    """The answer to one request: output tensors, or an error."""

    def __init__(
        self,
        output_tensors: Sequence[Tensor] = ...,
        error: TritonError | None = None,
        parameters: dict[str, bool | int | str] | None = None,
    ) -> None:
        """A response with these outputs (none by default), or carrying `error` (then the outputs are ignored)."""
    def output_tensors(self) -> list[Tensor]:
        """The response's output tensors."""
    def has_error(self) -> bool:
        """Whether the response carries an error."""
    def error(self) -> TritonError | None:
        """The response's error, or None."""
    def parameters(self) -> str:
        """The response parameters as a JSON string (json.loads it)."""

class InferenceResponseSender:
    """Sends the responses of one request of a decoupled model; closed by the final flag."""

    def send(self, response: InferenceResponse | None = None, flags: int = 0) -> None:
        """Send a response; pass flags=TRITONSERVER_RESPONSE_COMPLETE_FINAL (with or without a response) to finish."""
    def is_cancelled(self) -> bool:
        """Whether the client cancelled the request (23.10+): stop early, still send the final flag."""

class ResponseIterator:
    """The responses of a BLS call to a decoupled model (`exec(decoupled=True)`), in order."""

    def __iter__(self) -> ResponseIterator:
        """Iterate over the responses as they arrive."""
    def __next__(self) -> InferenceResponse:
        """The next response."""
    def cancel(self) -> None:
        """Ask the called model to stop sending responses."""

class InferenceRequest:
    """A request as execute() receives it, or a BLS request model code builds to call another model."""

    def __init__(
        self,
        *,
        model_name: str | bytes,
        requested_output_names: Sequence[str | bytes],
        inputs: Sequence[Tensor],
        request_id: str | bytes = "",
        correlation_id: int | str = 0,
        model_version: int = -1,
        flags: int = 0,
        timeout: int = 0,
        preferred_memory: PreferredMemory = ...,
        trace: Any = ...,
        parameters: dict[str, bool | int | str] | None = None,
    ) -> None:
        """A BLS request to `model_name` (inside execute only); send it with exec() or async_exec()."""
    def inputs(self) -> list[Tensor]:
        """The request's input tensors."""
    def request_id(self) -> str:
        """The request id the client gave, or ""."""
    def correlation_id(self) -> int | str:
        """The sequence correlation id (0 when none)."""
    def flags(self) -> int:
        """The request flags (TRITONSERVER_REQUEST_FLAG_SEQUENCE_START / _END)."""
    def set_flags(self, flags: int, /) -> None:
        """Set the request flags of a BLS request."""
    def timeout(self) -> int:
        """The request timeout in microseconds (0: none)."""
    def parameters(self) -> str:
        """The request parameters as a JSON string (json.loads it; values are bool, int or str)."""
    def requested_output_names(self) -> set[str]:
        """The outputs the client asked for; outputs not requested are dropped by Triton."""
    def get_response_sender(self) -> InferenceResponseSender:
        """The sender a decoupled model answers this request through."""
    def is_cancelled(self) -> bool:
        """Whether the client cancelled the request (23.10+)."""
    def set_release_flags(self, flags: int, /) -> None:
        """TRITONSERVER_REQUEST_RELEASE_RESCHEDULE to run the request again (iterative sequences)."""
    def trace(self) -> Any:
        """The request's trace, to pass to a BLS request."""
    @overload
    def exec(self, decoupled: Literal[False] = False) -> InferenceResponse:
        """Run the BLS request and wait for its response (check has_error())."""
    @overload
    def exec(self, decoupled: Literal[True]) -> ResponseIterator:
        """Run the BLS request on a decoupled model: an iterator of its responses."""
    @overload
    def exec(self, decoupled: bool = False) -> InferenceResponse | ResponseIterator:
        """Run the BLS request: a response, or an iterator of responses when decoupled."""
    @overload
    def async_exec(self, decoupled: Literal[False] = False) -> Awaitable[InferenceResponse]:
        """Run the BLS request without blocking (await it in `async def execute`)."""
    @overload
    def async_exec(self, decoupled: Literal[True]) -> Awaitable[ResponseIterator]:
        """Run the BLS request on a decoupled model without blocking."""
    @overload
    def async_exec(self, decoupled: bool = False) -> Awaitable[InferenceResponse | ResponseIterator]:
        """Run the BLS request without blocking: a response, or an iterator of responses when decoupled."""

class Logger:
    """Writes to Triton's log (22.09+). Verbose lines show only with --log-verbose=1 or more."""

    INFO: int
    """Log level: info."""
    WARNING: int
    """Log level: warning."""
    ERROR: int
    """Log level: error."""
    VERBOSE: int
    """Log level: verbose."""

    @staticmethod
    def log(message: str, level: int = ...) -> None:
        """Log `message` at `level` (a class constant; INFO by default)."""
    @staticmethod
    def log_info(message: str) -> None:
        """Log at INFO."""
    @staticmethod
    def log_warn(message: str) -> None:
        """Log at WARNING."""
    @staticmethod
    def log_error(message: str) -> None:
        """Log at ERROR."""
    @staticmethod
    def log_verbose(message: str) -> None:
        """Log at VERBOSE."""

class ModelConfig:
    """The configuration auto_complete_config receives and must return; its setters refuse conflicts with config.pbtxt (ValueError)."""

    def as_dict(self) -> dict[str, Any]:
        """The configuration so far, as a dict."""
    def set_max_batch_size(self, max_batch_size: int) -> None:
        """Set max_batch_size (a larger value already in config.pbtxt raises)."""
    def set_dynamic_batching(self) -> None:
        """Use the dynamic batcher (raises if another scheduler is set)."""
    def add_input(self, input: dict[str, Any]) -> None:
        """Declare an input: keys name, data_type ("TYPE_FP32"), dims, and optionally optional."""
    def add_output(self, output: dict[str, Any]) -> None:
        """Declare an output: keys name, data_type and dims."""
    def set_model_transaction_policy(self, transaction_policy_dict: dict[str, bool]) -> None:
        """Set model_transaction_policy, e.g. {"decoupled": True}."""

class Metric:
    """One labelled series of a MetricFamily."""

    def increment(self, value: float, /) -> None:
        """Add `value` (counters: not negative; gauges: any sign)."""
    def set(self, value: float, /) -> None:
        """Set a gauge to `value`."""
    def observe(self, value: float, /) -> None:
        """Record `value` in a histogram."""
    def value(self) -> float:
        """The current value of a counter or gauge."""

class MetricFamily:
    """A custom metric exported on Triton's metrics endpoint (port 8002)."""

    COUNTER: int
    """Metric kind: a counter."""
    GAUGE: int
    """Metric kind: a gauge."""
    HISTOGRAM: int
    """Metric kind: a histogram (its metrics need buckets)."""

    def __init__(self, name: str, description: str, kind: int) -> None:
        """A family named `name` of kind COUNTER, GAUGE or HISTOGRAM."""
    def Metric(self, labels: dict[str, str] | None = None, buckets: list[float] | None = None) -> Metric:
        """A metric of this family with these labels (and bucket boundaries for a histogram)."""

def get_input_tensor_by_name(inference_request: InferenceRequest, name: str) -> Tensor | None:
    """The request's input called `name`, or None when absent (e.g. an optional input not sent)."""

def get_output_tensor_by_name(inference_response: InferenceResponse, name: str) -> Tensor | None:
    """The response's output called `name`, or None (BLS)."""

def get_input_config_by_name(model_config: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The entry of model_config["input"] called `name`, or None."""

def get_output_config_by_name(model_config: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The entry of model_config["output"] called `name`, or None."""

def triton_string_to_numpy(triton_type_string: str) -> type[Any]:
    """The numpy type of a config data type: "TYPE_UINT8" -> np.uint8, "TYPE_STRING" -> np.object_; KeyError for TYPE_BF16."""

def triton_to_numpy_type(data_type: int) -> type[np.generic] | None:
    """The numpy type of a Triton type enum number, or None (BF16 has none)."""

def numpy_to_triton_type(data_type: Any) -> int | None:
    """The Triton type enum number of a numpy dtype, or None when Triton has no such type."""

def serialize_byte_tensor(input_tensor: npt.NDArray[Any]) -> bytes | tuple[()] | None:
    """A bytes tensor in Triton's wire form: each element as a 4-byte little-endian length then its bytes, C order.

    () when the tensor is empty, None when its elements are not bytes.
    """

def deserialize_bytes_tensor(encoded_tensor: bytes) -> npt.NDArray[np.object_]:
    """The elements of a wire-form bytes tensor, as a flat object array of bytes."""

def using_decoupled_model_transaction_policy(model_config: dict[str, Any]) -> bool:
    """Whether model_transaction_policy.decoupled is set in `model_config`."""

def load_model(model_name: str, config: str = "", files: dict[str, bytes] | None = None) -> None:
    """Load or reload a model (23.07+; --model-control-mode=explicit, not during startup, auto_complete_config or finalize)."""

def unload_model(model_name: str, unload_dependents: bool = False) -> None:
    """Unload a model (23.07+; --model-control-mode=explicit)."""

def is_model_ready(model_name: str, model_version: str = "") -> bool:
    """Whether a model (the given version, or the latest) is loaded and ready (23.07+)."""
