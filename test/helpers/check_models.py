"""Load generated models with the shipped fake pb_utils and report what they answer.

stdin: {"fake": path to templates/shared/tests/triton_fake, "projects": [{"modelDir": ..., "template": ...}]}
stdout: one report per project: the args keys initialize saw, and for each request its responses
described as {"outputs": [{"name", "type", "shape"}]} or {"error", "code"}, with flags.
Requests, in one execute() call: a valid one, a valid one with another batch size, one missing
every input, and one that makes the model's own code raise (a bug in the user's model).
"""

import json
import sys
import traceback

payload = json.load(sys.stdin)
sys.path.insert(0, payload["fake"])

import numpy as np  # noqa: E402
from harness import LoadedModel, make_request, sample_inputs  # noqa: E402

import triton_python_backend_utils as pb_utils  # noqa: E402


def describe(result):
    described = []
    for response, flags in zip(result.responses, result.flags):
        if response is None:
            described.append({"flags": flags})
        elif response.has_error():
            described.append({"error": response.error().message(), "code": response.error().code(), "flags": flags})
        else:
            described.append(
                {
                    "outputs": [
                        {"name": t.name(), "type": t.triton_dtype(), "shape": t.shape(), "sample": _sample(t)}
                        for t in response.output_tensors()
                    ],
                    "flags": flags,
                }
            )
    return described


def _sample(tensor):
    try:
        array = tensor.as_numpy()
    except pb_utils.TritonModelException:
        return None
    flat = array.reshape(-1)[:3]
    return [item.decode("utf-8", "replace") if isinstance(item, bytes) else item.item() for item in flat]


BUG_MARKER = "simulated bug in the model"


def break_one_request(model, victim, batched):
    """Make the user's part of the model (compute) raise whenever it sees the victim's inputs, as a bug in their code would.

    A batched model computes the requests of a call together: compute() then raises for the whole
    batch, and the model must answer the others again without the victim.
    """
    instance = model.instance
    original = instance.compute

    def compute(inputs):
        if holds_victim(inputs, victim, batched):
            raise RuntimeError(BUG_MARKER)
        return original(inputs)

    instance.compute = compute


def holds_victim(inputs, victim, batched):
    # Only numpy values are compared: BF16 inputs (torch tensors) reach compute() as float32.
    compared = [(np.asarray(inputs[k]), v) for k, v in victim.items() if k in inputs and isinstance(v, np.ndarray)]
    if not batched:
        return all(np.array_equal(given, v) for given, v in compared)
    rows = min(len(given) for given, _ in compared)
    return any(all(np.array_equal(given[row], v[0]) for given, v in compared) for row in range(rows))


reports = []
for project in payload["projects"]:
    report = {"modelDir": project["modelDir"]}
    try:
        pb_utils.Logger._records.clear()
        model = LoadedModel(project["modelDir"])
        report["argsKeys"] = sorted(model.args)
        config = model.config
        batching = int(config.get("max_batch_size", 0)) > 0
        first = sample_inputs(config, batch_size=2)
        second = sample_inputs(config, batch_size=1)
        # A request whose inputs differ from the others, for the bug to hit only it.
        victim = {}
        for name, value in sample_inputs(config, batch_size=1).items():
            if isinstance(value, np.ndarray) and value.dtype == np.object_:
                victim[name] = np.full(value.shape, b"boom", dtype=np.object_)
            elif isinstance(value, np.ndarray) and value.dtype == np.bool_:
                victim[name] = np.ones(value.shape, dtype=np.bool_)
            elif isinstance(value, np.ndarray):
                victim[name] = np.full(value.shape, 7, dtype=value.dtype)
            else:
                victim[name] = value
        break_one_request(model, victim, batching)
        requests = [
            make_request(first, request_id="ok-1"),
            make_request(second, request_id="ok-2"),
            make_request({}, request_id="missing"),
            make_request(victim, request_id="bug"),
        ]
        results = model.execute(requests)
        report["batchSizes"] = [2, 1, None, 1] if batching else [None, None, None, None]
        report["results"] = [describe(result) for result in results]
        model.finalize()
        report["logs"] = pb_utils.Logger._records[:]
    except Exception as error:  # reported, not raised: the test names the project that failed
        report["loadError"] = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    reports.append(report)

json.dump(reports, sys.stdout)
