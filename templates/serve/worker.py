"""One model version of `create-triton-model serve`, run the way Triton runs a Python-backend stub.

    python worker.py <triton_fake dir>

The model is loaded with the project's one fake triton_python_backend_utils (tests/triton_fake:
harness.LoadedModel calls auto_complete_config, then initialize with Triton's args keys) and
driven by the server over a socket of its own (file descriptor 3 at start, moved out of the
model's way before any model code runs), in frames:

    u32 LE header length | u32 LE payload length | header (UTF-8 JSON) | payload (tensor bytes)

Tensors travel as raw bytes in Triton's wire form (little-endian, row-major, BOOL one byte, BYTES
elements as a 4-byte LE length then the bytes), described in the header by
{name, datatype, shape, offset, size}. The model's own stdout and stderr stay free for its prints;
pb_utils.Logger lines are sent to the server, which prints them as Triton does.

Server -> worker: load, execute, cancel, finalize, and the answers to BLS calls (bls_result,
ready_result). Worker -> server: loaded / load_failed, response (one per response the model sends,
FINAL flag on the last), log, bls / is_ready (InferenceRequest.exec() and pb_utils.is_model_ready),
finalized. The server closing the socket counts as finalize.

Like Triton's stub, an exception raised by execute() fails the requests of that call only (one,
or those the dynamic batcher gathered), SystemExit and KeyboardInterrupt included (Triton 2.51.0 answers `sys.exit()` in execute() with 500 "...
message: SystemExit: <EMPTY MESSAGE>" and serves the next request). A process that really ends
(os._exit, a crash) is the server's to notice and start again.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import select
import signal
import socket
import struct
import sys
import threading
import traceback
from typing import Any

# The server decides when models stop: a signal meant for it (SIGTERM from `timeout` or systemd to
# every process) does not stop a model halfway; if the server dies, the channel closes and the
# model finalizes. Handlers that do nothing rather than SIG_IGN: an ignored signal stays ignored in
# the processes a model starts, and they must still end on SIGTERM when this one leaves.
signal.signal(signal.SIGINT, lambda *_: None)
signal.signal(signal.SIGTERM, lambda *_: None)

# How long a model may take to finish once the server is gone (its channel closed) before this
# process ends anyway: an execute() that never returns must not leave the process behind.
ORPHAN_GRACE_S = 30.0


def channel_descriptor() -> int:
    """The channel, moved from fd 3 to a high, close-on-exec descriptor, fd 3 closed.

    Low descriptors are the ones model code reaches by accident (os.close(3), a library that
    closes or reuses "the next" descriptor, a subprocess inheriting it); one near the limit of
    open files is not reached unless looked for, and close-on-exec keeps it out of subprocesses.
    """
    try:
        import fcntl
        import resource
    except ImportError:  # Windows has no fcntl: the channel stays where it is
        return 3
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    highest = 4096 if soft == resource.RLIM_INFINITY or soft > 4096 else soft
    try:
        moved = fcntl.fcntl(3, fcntl.F_DUPFD_CLOEXEC, max(highest - 1, 10))
    except OSError:
        moved = fcntl.fcntl(3, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(3)
    return moved

sys.path.insert(0, sys.argv[1])
import numpy as np  # noqa: E402

import harness  # noqa: E402  (the fake's harness: LoadedModel, make_request)
import triton_python_backend_utils as pb_utils  # noqa: E402

FINAL = pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL
WIRE_OF_TYPE = {1: "BOOL", 2: "UINT8", 3: "UINT16", 4: "UINT32", 5: "UINT64", 6: "INT8", 7: "INT16", 8: "INT32", 9: "INT64", 10: "FP16", 11: "FP32", 12: "FP64", 13: "BYTES", 14: "BF16"}
NUMPY_OF_WIRE = {
    "BOOL": np.bool_,
    "UINT8": np.dtype("<u1"),
    "UINT16": np.dtype("<u2"),
    "UINT32": np.dtype("<u4"),
    "UINT64": np.dtype("<u8"),
    "INT8": np.dtype("<i1"),
    "INT16": np.dtype("<i2"),
    "INT32": np.dtype("<i4"),
    "INT64": np.dtype("<i8"),
    "FP16": np.dtype("<f2"),
    "FP32": np.dtype("<f4"),
    "FP64": np.dtype("<f8"),
}
INTERNAL = int(pb_utils.TritonError.INTERNAL)


class Channel:
    """Frames over the server's socket. Sends may come from any thread (decoupled senders, loggers).

    Reads wait in poll() a second at a time and check in between that the descriptor is still the
    channel: model code that closes it (os.closerange) does not wake a read blocked on it (Linux
    keeps the socket open for the blocked call), so the server would never see it close. A process
    whose channel is gone ends, and the server answers its requests as for a crashed model.
    """

    def __init__(self) -> None:
        self.fd = channel_descriptor()
        self.sock = socket.socket(fileno=self.fd)
        self.inode = os.fstat(self.fd).st_ino
        self.poller = select.poll() if hasattr(select, "poll") else None
        if self.poller is not None:
            self.poller.register(self.fd, select.POLLIN)
        self.lock = threading.Lock()

    def send(self, header: dict[str, Any], payload: bytes = b"") -> None:
        data = json.dumps(header).encode("utf-8")
        with self.lock:
            try:
                self.sock.sendall(struct.pack("<II", len(data), len(payload)) + data + payload)
            except OSError:
                pass  # the server is gone; the reader sees EOF and finalizes

    def _check(self, events: list[tuple[int, int]]) -> None:
        """End the process if the descriptor is no longer the channel (closed, or reused for another file)."""
        try:
            intact = os.fstat(self.fd).st_ino == self.inode
        except OSError:
            intact = False
        if not intact or any(event & select.POLLNVAL for _, event in events):
            sys.stderr.write(f"serve: the model closed its channel to the server (descriptor {self.fd}): this process ends\n")
            leave(70)

    def _read(self, size: int) -> bytes | None:
        chunks, remaining = [], size
        while remaining > 0:
            while self.poller is not None:
                events = self.poller.poll(1000)
                self._check(events)
                if events:
                    break
            try:
                chunk = self.sock.recv(min(remaining, 1 << 20))
            except OSError:
                self._check([])
                return None
            if not chunk:
                return None
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def receive(self) -> tuple[dict[str, Any], bytes] | None:
        prefix = self._read(8)
        if prefix is None:
            return None
        header_length, payload_length = struct.unpack("<II", prefix)
        header_bytes = self._read(header_length) if header_length else b""
        payload = self._read(payload_length) if payload_length else b""
        if header_bytes is None or payload is None:
            return None
        return json.loads(header_bytes.decode("utf-8")), payload


channel = Channel()


def log_sink(level: str, message: str) -> None:
    """pb_utils.Logger lines go to the server with the model file's name and line, as Triton prints them."""
    frame = sys._getframe(1)
    fake = os.path.dirname(os.path.abspath(pb_utils.__file__))
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == fake:
        frame = frame.f_back
    where = (os.path.basename(frame.f_code.co_filename), frame.f_lineno) if frame is not None else ("model.py", 0)
    pb_utils.Logger._records.clear()  # a long-running server must not keep every line
    channel.send({"op": "log", "level": level, "message": message, "file": where[0], "line": where[1]})


pb_utils.Logger._sink = log_sink


# Frames of serve and of the fake are not the user's: tracebacks start at the model's own code.
_INTERNAL_FILES = (os.path.abspath(__file__), os.path.abspath(sys.argv[1]) + os.sep)


def model_traceback(error: BaseException) -> str:
    """The traceback of `error` without serve's, the fake's and importlib's frames."""
    exception = traceback.TracebackException.from_exception(error)
    exception.stack = traceback.StackSummary.from_list(
        [frame for frame in exception.stack if not frame.filename.startswith(_INTERNAL_FILES) and not frame.filename.startswith("<frozen ")]
    )
    return "".join(exception.format())


def python_error(error: BaseException) -> str:
    """An exception as the Python backend reports it: `Type: message`, then where it was raised."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if not frame.filename.startswith(_INTERNAL_FILES)]
    lines = "".join(f"  {frame.filename}({frame.lineno}): {frame.name}\n" for frame in reversed(frames))
    # pybind11 (which formats it in Triton) shows an exception without a message as <EMPTY MESSAGE>.
    text = f"{type(error).__name__}: {str(error) or '<EMPTY MESSAGE>'}"
    return f"{text}\n\nAt:\n{lines}" if lines else text


# ---------------------------------------------------------------------------------------------
# Tensors between wire bytes and pb_utils


def to_value(descriptor: dict[str, Any], payload: bytes) -> Any:
    """Wire bytes -> what harness.make_request takes: a numpy array (a torch tensor for BF16)."""
    data = payload[descriptor["offset"] : descriptor["offset"] + descriptor["size"]]
    shape = descriptor["shape"]
    datatype = descriptor["datatype"]
    if datatype == "BYTES":
        return pb_utils.deserialize_bytes_tensor(data).reshape(shape)
    if datatype == "BOOL":
        return (np.frombuffer(data, dtype=np.uint8) != 0).reshape(shape)
    if datatype == "BF16":
        try:
            import torch
        except ImportError:
            raise pb_utils.TritonModelException("BF16 tensors need torch in the Python serve runs (pip install torch)") from None
        return torch.frombuffer(bytearray(data), dtype=torch.bfloat16).reshape(shape) if data else torch.empty(shape, dtype=torch.bfloat16)
    return np.frombuffer(data, dtype=NUMPY_OF_WIRE[datatype]).reshape(shape)


def tensor_bytes(tensor: pb_utils.Tensor) -> tuple[str, list[int], bytes]:
    """A pb_utils.Tensor -> (wire datatype, shape, wire bytes)."""
    datatype = WIRE_OF_TYPE.get(tensor.triton_dtype(), "INVALID")
    shape = [int(d) for d in tensor.shape()]
    if datatype == "BF16":
        import torch

        data = torch.from_dlpack(tensor.to_dlpack()).contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
    elif datatype == "BYTES":
        array = tensor.as_numpy()
        data = bytes(pb_utils.serialize_byte_tensor(array) or b"") if array.size else b""
    else:
        array = tensor.as_numpy()
        data = np.ascontiguousarray(array.astype(NUMPY_OF_WIRE[datatype], copy=False)).tobytes()
    return datatype, shape, data


def pack(tensors: list[pb_utils.Tensor]) -> tuple[list[dict[str, Any]], bytes]:
    descriptors, chunks, offset = [], [], 0
    for tensor in tensors:
        datatype, shape, data = tensor_bytes(tensor)
        descriptors.append({"name": tensor.name(), "datatype": datatype, "shape": shape, "offset": offset, "size": len(data)})
        chunks.append(data)
        offset += len(data)
    return descriptors, b"".join(chunks)


def send_response(request_id: int, response: Any, flags: int, requested: set[str]) -> None:
    """One response (or the final flag alone) of a request, outputs limited to the requested ones."""
    header: dict[str, Any] = {"op": "response", "id": request_id, "flags": flags, "response": isinstance(response, pb_utils.InferenceResponse)}
    payload = b""
    if isinstance(response, pb_utils.InferenceResponse):
        error = response.error()
        if error is not None:
            header["error"] = {"message": error.message(), "code": int(error.code())}
        else:
            # Like the Python backend, outputs the client did not ask for are dropped.
            try:
                header["outputs"], payload = pack([t for t in response.output_tensors() if t.name() in requested])
            except Exception as failure:  # e.g. an output whose dtype Triton has no name for
                header["error"] = {"message": python_error(failure), "code": INTERNAL}
            header["parameters"] = json.loads(response.parameters())
    channel.send(header, payload)


# ---------------------------------------------------------------------------------------------
# BLS and model management from model.py, answered by the server


class Calls:
    """Calls from model code to the server, waiting for their answers (which the reader thread routes)."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.waiting: dict[int, tuple[threading.Event, list[Any]]] = {}
        self.lock = threading.Lock()

    def call(self, header: dict[str, Any], payload: bytes = b"") -> tuple[dict[str, Any], bytes]:
        call_id = next(self.ids)
        event, slot = threading.Event(), []
        with self.lock:
            self.waiting[call_id] = (event, slot)
        channel.send({**header, "call": call_id}, payload)
        event.wait()
        return slot[0]

    def answer(self, header: dict[str, Any], payload: bytes) -> None:
        with self.lock:
            waiting = self.waiting.pop(int(header.get("call", 0)), None)
        if waiting is not None:
            waiting[1].append((header, payload))
            waiting[0].set()

    def fail_all(self) -> None:
        with self.lock:
            waiting, self.waiting = self.waiting, {}
        for event, slot in waiting.values():
            stopping = {"present": True, "flags": FINAL, "outputs": [0, 0], "error": {"message": "the server is stopping", "code": int(pb_utils.TritonError.UNAVAILABLE)}}
            slot.append(({"op": "bls_result", "responses": [stopping], "tensors": []}, b""))
            event.set()


calls = Calls()


def bls_execute(request: pb_utils.InferenceRequest, decoupled: bool) -> Any:
    """InferenceRequest.exec(): the server runs the request on the other model's process."""
    descriptors, payload = pack(request.inputs())
    header, data = calls.call(
        {
            "op": "bls",
            "model": request._model_name,
            "version": request._model_version,
            "request_id": request.request_id(),
            "requested": sorted(request.requested_output_names()),
            "parameters": json.loads(request.parameters()),
            "correlation_id": request.correlation_id(),
            "flags": request.flags(),
            "timeout": request.timeout(),
            "inputs": descriptors,
            "decoupled": decoupled,
        },
        payload,
    )
    descriptors = header.get("tensors", [])
    responses = []
    for described in header.get("responses", []):
        error = described.get("error")
        if error is not None:
            responses.append(pb_utils.InferenceResponse(output_tensors=[], error=pb_utils.TritonError(error["message"], getattr(pb_utils.TritonError, _code_name(error["code"])))))
            continue
        if not described.get("present", True):
            # The final flag alone: for a decoupled call Triton's iterator still yields it, as an
            # empty response (python_backend's bls_decoupled example skips it by its empty outputs).
            if decoupled:
                responses.append(pb_utils.InferenceResponse(output_tensors=[]))
            continue
        first, last = described.get("outputs", [0, 0])
        tensors = []
        for descriptor in descriptors[first:last]:
            value = to_value(descriptor, data)
            tensors.append(pb_utils.Tensor.from_dlpack(descriptor["name"], value) if type(value).__module__.startswith("torch") else pb_utils.Tensor(descriptor["name"], value))
        responses.append(pb_utils.InferenceResponse(output_tensors=tensors, parameters=described.get("parameters") or None))
    if decoupled:
        return pb_utils.ResponseIterator(responses)
    if not responses:
        return pb_utils.InferenceResponse(output_tensors=[], error=pb_utils.TritonError("the model sent no response", pb_utils.TritonError.INTERNAL))
    return responses[0]


def _code_name(number: int) -> str:
    names = ["UNKNOWN", "INTERNAL", "NOT_FOUND", "INVALID_ARG", "UNAVAILABLE", "UNSUPPORTED", "ALREADY_EXISTS", "CANCELLED"]
    return names[number] if 0 <= number < len(names) else "INTERNAL"


class ModelManager:
    """pb_utils.load_model / unload_model / is_model_ready."""

    def load(self, model_name: str, config: str, files: Any) -> None:
        raise pb_utils.TritonModelException("serve loads every model itself (--reload restarts edited ones): load_model needs Triton's explicit model control")

    def unload(self, model_name: str, unload_dependents: bool) -> None:
        raise pb_utils.TritonModelException("serve loads every model itself (--reload restarts edited ones): unload_model needs Triton's explicit model control")

    def is_ready(self, model_name: str, model_version: str) -> bool:
        header, _ = calls.call({"op": "is_ready", "model": model_name, "version": str(model_version)})
        return bool(header.get("ready"))


pb_utils._bls_executor = bls_execute
pb_utils._model_manager = ModelManager()


# ---------------------------------------------------------------------------------------------
# Requests


class Work:
    """Requests waiting and in flight, by id, so that the reader thread can cancel them.

    A request whose client left before it started is dropped rather than run (Triton does not
    execute a request cancelled in its queue); one that runs sees request.is_cancelled().
    """

    def __init__(self) -> None:
        self.requests: dict[int, pb_utils.InferenceRequest] = {}
        self.queued: set[int] = set()
        self.cancelled: set[int] = set()
        self.lock = threading.Lock()

    def queue(self, request_id: int) -> None:
        with self.lock:
            self.queued.add(request_id)

    def begin(self, request_id: int) -> bool:
        """Take a request off the queue: False when its client left meanwhile."""
        with self.lock:
            self.queued.discard(request_id)
            if request_id in self.cancelled:
                self.cancelled.discard(request_id)
                return False
            return True

    def cancel(self, request_id: int) -> None:
        with self.lock:
            if request_id in self.queued:
                self.cancelled.add(request_id)
                return
            request = self.requests.get(request_id)
        if request is not None:
            request._cancelled = True
            request.get_response_sender()._cancel()


work = Work()


class Pending:
    """One request of an execute() call: its id, the outputs asked for, whether its final response went out."""

    def __init__(self, header: dict[str, Any]) -> None:
        self.id = int(header["id"])
        self.requested = set(header.get("requested", []))
        self.finished = threading.Event()

    def fail(self, message: str, code: int = INTERNAL) -> None:
        if not self.finished.is_set():
            self.finished.set()
            channel.send({"op": "response", "id": self.id, "flags": FINAL, "response": True, "error": {"message": message, "code": code}})


def make_request(model: harness.LoadedModel, header: dict[str, Any], payload: bytes) -> pb_utils.InferenceRequest:
    inputs = {descriptor["name"]: to_value(descriptor, payload) for descriptor in header.get("inputs", [])}
    request = harness.make_request(inputs, request_id=header.get("request_id", ""), requested_outputs=header.get("requested", []), model_name=model.config.get("name", ""))
    # The binding keeps parameters as JSON; doubles are allowed on the wire, so set it as sent.
    request._parameters = json.dumps(header.get("parameters", {}))
    request._correlation_id = header.get("correlation_id", 0)
    request._flags = int(header.get("flags", 0))
    request._timeout = int(header.get("timeout", 0))
    return request


def execute(model: harness.LoadedModel, frames: list[tuple[dict[str, Any], bytes]]) -> None:
    """One execute() call with the requests of `frames` (several when the dynamic batcher gathered them)."""
    entries: list[tuple[Pending, pb_utils.InferenceRequest]] = []
    failed_prefix = f"Failed to process the request(s) for model '{model.args['model_instance_name']}', message: "
    for header, payload in frames:
        pending = Pending(header)
        if not work.begin(pending.id):
            pending.fail("Request was cancelled", int(pb_utils.TritonError.CANCELLED))
            continue
        try:
            entries.append((pending, make_request(model, header, payload)))
        except Exception as error:
            pending.fail(failed_prefix + python_error(error))
    if not entries:
        return

    def on_send(index: int, response: Any, flags: int) -> None:
        pending = entries[index][0]
        if pending.finished.is_set():
            return
        if flags & FINAL:
            pending.finished.set()
            with work.lock:
                work.requests.pop(pending.id, None)
        send_response(pending.id, response, flags, pending.requested)

    with work.lock:
        for pending, request in entries:
            work.requests[pending.id] = request
    try:
        results = model.execute([request for _, request in entries], on_send=on_send)
    except BaseException as error:  # noqa: B036 - SystemExit and KeyboardInterrupt fail the request, as in Triton
        message = python_error(error)
        channel.send({"op": "log", "level": "ERROR", "message": failed_prefix + message, "file": "pb_stub.cc", "line": 0})
        for pending, _ in entries:
            pending.fail(failed_prefix + message)
    else:
        # A default-mode model that returned its responses (rather than sending them) answers now.
        for (pending, _), result in zip(entries, results):
            if not model.decoupled and not pending.finished.is_set() and result.responses:
                pending.finished.set()
                send_response(pending.id, result.responses[0], FINAL, pending.requested)
    finally:
        with work.lock:
            for pending, _ in entries:
                if pending.finished.is_set():
                    work.requests.pop(pending.id, None)


# ---------------------------------------------------------------------------------------------
# The dynamic batcher: with dynamic_batching and max_batch_size > 0, the requests already waiting
# when the model is free go to one execute() call, as Triton's batcher gathers them (without its
# max_queue_delay: serve never holds a request back). Like Triton's, it puts together only requests
# whose inputs agree in everything but the batch dimension, up to max_batch_size rows.


def batch_limit(model: harness.LoadedModel) -> int:
    """The rows one execute() may get from the batcher; 0 when the model has no dynamic batcher."""
    if "dynamic_batching" not in model.config:
        return 0
    return max(0, int(model.config.get("max_batch_size", 0)))


def batch_shape(header: dict[str, Any]) -> tuple[int, tuple[Any, ...]]:
    """A request's batch size, and what must agree for two requests to be batched: each input's datatype and shape past the batch dimension."""
    inputs = sorted(header.get("inputs", []), key=lambda descriptor: descriptor["name"])
    rows = int(inputs[0]["shape"][0]) if inputs and inputs[0]["shape"] else 1
    return rows, tuple((d["name"], d["datatype"], tuple(d["shape"][1:])) for d in inputs)


def gather(first: tuple[dict[str, Any], bytes], limit: int, tasks: queue.Queue[Any], held: list[Any]) -> list[tuple[dict[str, Any], bytes]]:
    """`first` and the execute frames waiting behind it that batch with it; the first frame that does not is held for the next turn."""
    frames = [first]
    rows, key = batch_shape(first[0])
    while rows < limit:
        try:
            frame = tasks.get_nowait()
        except queue.Empty:
            break
        if frame is None or frame[0].get("op") != "execute":
            held.append(frame)
            break
        more, other = batch_shape(frame[0])
        if other != key or rows + more > limit:
            held.append(frame)
            break
        frames.append(frame)
        rows += more
    return frames


# ---------------------------------------------------------------------------------------------
# Main loop: the reader thread routes frames, the main thread runs the model (one call at a time,
# like a stub), so that cancellations and BLS answers arrive while execute() is busy.


def reader(tasks: queue.Queue[tuple[dict[str, Any], bytes] | None]) -> None:
    while True:
        frame = channel.receive()
        if frame is None:
            calls.fail_all()
            tasks.put(None)
            watchdog = threading.Timer(ORPHAN_GRACE_S, lambda: leave(1))
            watchdog.daemon = True
            watchdog.start()
            return
        header, payload = frame
        op = header.get("op")
        if op in ("bls_result", "ready_result"):
            calls.answer(header, payload)
        elif op == "cancel":
            work.cancel(int(header["id"]))
        else:
            if op == "execute":
                work.queue(int(header["id"]))
            tasks.put(frame)


def load(header: dict[str, Any]) -> harness.LoadedModel | None:
    version_dir = os.path.join(header["model_dir"], header["version"])
    # Triton's stub puts the model's folder on sys.path: modules beside model.py import.
    if version_dir not in sys.path:
        sys.path.append(version_dir)
    try:
        model = harness.LoadedModel(header["model_dir"], version=header["version"], instance_kind=header.get("instance_kind", "CPU"), config=header["config"])
    except BaseException as error:  # noqa: B036 - SystemExit in model code is a load failure too
        channel.send({"op": "load_failed", "error": python_error(error).split("\n\nAt:")[0], "triton": python_error(error), "traceback": model_traceback(error)})
        return None
    channel.send({"op": "loaded", "config": model.config})
    return model


def finalize(model: harness.LoadedModel | None) -> None:
    error = None
    if model is not None:
        try:
            model.finalize()
        except BaseException as failure:  # noqa: B036
            error = python_error(failure)
    channel.send({"op": "finalized", **({"error": error} if error else {})})


def main() -> None:
    tasks: queue.Queue[tuple[dict[str, Any], bytes] | None] = queue.Queue()
    threading.Thread(target=reader, args=(tasks,), daemon=True).start()
    model: harness.LoadedModel | None = None
    held: list[Any] = []
    while True:
        frame = held.pop() if held else tasks.get()
        if frame is None:
            finalize(model)
            break
        header, payload = frame
        op = header.get("op")
        if op == "load":
            model = load(header)
        elif op == "execute" and model is not None:
            limit = batch_limit(model)
            execute(model, gather(frame, limit, tasks, held) if limit > 0 else [frame])
        elif op == "finalize":
            finalize(model)
            break
    leave(0)


def leave(code: int) -> None:
    """End the process: threads the model started must not keep a finalized model alive, nor
    processes it started outlive it. The server starts this process as the leader of a process
    group and kills the group once it exits; should the server be gone, the group gets SIGTERM
    here (this process ignores it)."""
    sys.stdout.flush()
    sys.stderr.flush()
    if hasattr(os, "killpg") and os.getpgrp() == os.getpid():
        try:
            os.killpg(os.getpid(), signal.SIGTERM)
        except OSError:
            pass
    os._exit(code)


if __name__ == "__main__":
    main()
