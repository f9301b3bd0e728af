"""Every model in models/, loaded as Triton's Python backend loads it and sent requests built from its config.

For each models/<name>/config.pbtxt (models added later are covered too, nothing to regenerate):
model.py is imported with the fake triton_python_backend_utils, initialize() gets Triton's args
keys, execute() gets requests shaped as the config declares (with and without a batch dimension,
as max_batch_size says), every response must carry every declared output with its declared
dtype and shape, a request missing its inputs must get an error response without failing the
others, and finalize() must succeed. Decoupled models answer through the response sender: their
responses are checked one by one, and the stream must end with the final flag.

Run from the project root: python -m pytest
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import triton_python_backend_utils as pb_utils
from harness import LoadedModel, RequestResult, check_response, make_request, sample_inputs

MODELS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models")


def discover_models() -> list[str]:
    """Every models/<name> folder with a config.pbtxt, in name order."""
    if not os.path.isdir(MODELS_DIR):
        return []
    return sorted(
        os.path.join(MODELS_DIR, name) for name in os.listdir(MODELS_DIR) if os.path.isfile(os.path.join(MODELS_DIR, name, "config.pbtxt"))
    )


MODEL_DIRS = discover_models()
TRITON_ARGS_KEYS = {
    "model_config",
    "model_instance_kind",
    "model_instance_name",
    "model_instance_device_id",
    "model_repository",
    "model_version",
    "model_name",
}


@pytest.fixture(params=MODEL_DIRS, ids=os.path.basename)
def model(request: pytest.FixtureRequest) -> Iterator[LoadedModel]:
    """One instance of a model, initialized as Triton does; finalized after the test."""
    loaded = LoadedModel(request.param)
    yield loaded
    loaded.finalize()


def batch_sizes(config: dict[str, Any]) -> list[int | None]:
    """Batch sizes to send: 1 and 2 (up to max_batch_size) when the model batches, none otherwise."""
    max_batch_size = int(config.get("max_batch_size", 0))
    return [1, min(2, max_batch_size)] if max_batch_size > 0 else [None, None]


def data_responses(model: LoadedModel, result: RequestResult) -> list[Any]:
    """The responses of one request that carry data, after checking how the request was answered."""
    assert result.responses, "the request got no response"
    assert result.final, f"the last response has no final flag (flags {result.flags})"
    if not model.decoupled:
        assert len(result.responses) == 1, f"{len(result.responses)} responses to one request"
        return result.responses
    # Decoupled: any number of responses, then the final flag, alone (None) or with the last response.
    final_before_end = any(flags & pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL for flags in result.flags[:-1])
    assert not final_before_end, f"final flag before the end ({result.flags})"
    responses = [response for response in result.responses if response is not None]
    assert responses, "the stream ended without a response"
    return responses


def test_models_dir_has_models() -> None:
    assert MODEL_DIRS, f"no models/<name>/config.pbtxt under {MODELS_DIR}"


def test_initialize_gets_tritons_args(model: LoadedModel) -> None:
    assert set(model.args) == TRITON_ARGS_KEYS
    assert model.args["model_name"] == model.config["name"]


def test_answers_with_every_declared_output(model: LoadedModel) -> None:
    sizes = batch_sizes(model.config)
    requests = [make_request(sample_inputs(model.config, batch_size=size or 1), request_id=f"valid-{i}") for i, size in enumerate(sizes)]
    results = model.execute(requests)
    assert len(results) == len(requests)
    for size, result in zip(sizes, results):
        for response in data_responses(model, result):
            assert check_response(model.config, response, batch_size=size) == []


def test_request_missing_its_inputs_gets_an_error_and_the_others_still_answer(model: LoadedModel) -> None:
    if all(tensor.get("optional", False) for tensor in model.config["input"]):
        pytest.skip("every input is optional: a request without inputs is a valid request")
    size = batch_sizes(model.config)[0]
    valid = sample_inputs(model.config, batch_size=size or 1)
    requests = [make_request(valid, request_id="before"), make_request({}, request_id="missing"), make_request(valid, request_id="after")]
    before, missing, after = model.execute(requests)
    first = missing.responses[0] if missing.responses else None
    assert first is not None and first.has_error(), "a request without its inputs must be answered with an error response"
    assert missing.final, "the error response must end the request (final flag)"
    for result in (before, after):
        for response in data_responses(model, result):
            assert check_response(model.config, response, batch_size=size) == []
