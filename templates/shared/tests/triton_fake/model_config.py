"""Read config.pbtxt (protobuf text format) into the JSON form Triton hands to model.py.

A small reader for the tests, not a validator: `npx create-triton-model validate` checks a
config against the whole ModelConfig schema. It knows which ModelConfig fields repeat and which
are maps, so the result has the shape of args["model_config"]: lists for repeated fields,
objects for maps, enum names as strings, numbers as numbers.
"""

from __future__ import annotations

import re
from typing import Any

# Fields that are repeated (lists) or maps (objects keyed by `key`) in model_config.proto.
REPEATED_FIELDS = {
    "input", "output", "dims", "shape", "instance_group", "gpus", "secondary_devices",
    "preferred_batch_size", "versions", "batch_input", "batch_output", "source_input",
    "target_name", "control_input", "control", "int32_false_true", "fp32_false_true",
    "bool_false_true", "state", "initial_state", "step", "model_warmup", "graph_spec",
    "gpu_execution_accelerator", "cpu_execution_accelerator", "op_library_filename", "agents",
    "parameters", "input_map", "output_map", "metric_tags", "cc_model_filenames",
    "priority_queue_policy", "inputs", "dim", "metric_control",
}
MAP_FIELDS = {"parameters", "input_map", "output_map", "metric_tags", "cc_model_filenames", "priority_queue_policy", "inputs"}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<number>-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fF]?)
  | (?P<ident>-?[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<punct>[{}\[\]<>:,;])
    """,
    re.VERBOSE,
)


class ConfigSyntaxError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            line = text.count("\n", 0, position) + 1
            raise ConfigSyntaxError(f"line {line}: unexpected {text[position]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append((kind, match.group(), text.count("\n", 0, position) + 1))
        position = match.end()
    return tokens


_ESCAPES = {
    "n": b"\n", "r": b"\r", "t": b"\t", "\\": b"\\", '"': b'"', "'": b"'", "a": b"\a", "b": b"\b", "f": b"\f", "v": b"\v", "?": b"?",
}


def _unquote(literal: str) -> str:
    """A text-format string literal's value: escapes produce bytes, which must be UTF-8."""
    body = literal[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out += char.encode("utf-8")
            i += 1
            continue
        escape = body[i + 1]
        if escape in _ESCAPES:
            out += _ESCAPES[escape]
            i += 2
        elif escape in "01234567":
            digits = re.match(r"[0-7]{1,3}", body[i + 1:]).group()  # type: ignore[union-attr]
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        elif escape == "x":
            digits = re.match(r"[0-9a-fA-F]{1,2}", body[i + 2:]).group()  # type: ignore[union-attr]
            out.append(int(digits, 16))
            i += 2 + len(digits)
        elif escape in "uU":
            width = 4 if escape == "u" else 8
            out += chr(int(body[i + 2:i + 2 + width], 16)).encode("utf-8")
            i += 2 + width
        else:
            raise ConfigSyntaxError(f"unknown escape \\{escape} in {literal}")
    return out.decode("utf-8")


def _scalar(kind: str, text: str) -> Any:
    if kind == "number":
        bare = text.rstrip("fF") if not text.lower().startswith(("0x", "-0x")) else text
        if re.fullmatch(r"-?(0[xX][0-9a-fA-F]+|\d+)", bare):
            return int(bare, 0) if not re.fullmatch(r"-?0\d+", bare) else int(bare, 8)
        return float(bare)
    if text in ("true", "True", "t"):
        return True
    if text in ("false", "False", "f"):
        return False
    return text  # an enum name


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise ConfigSyntaxError("unexpected end of file")
        if expected is not None and token[1] != expected:
            raise ConfigSyntaxError(f"line {token[2]}: expected {expected!r}, found {token[1]!r}")
        self.index += 1
        return token

    def value(self) -> Any:
        token = self.peek()
        if token is not None and token[1] in ("{", "<"):
            return self.message("}" if token[1] == "{" else ">")
        kind, text, _ = self.take()
        if kind == "string":
            parts = [_unquote(text)]
            while (nxt := self.peek()) is not None and nxt[0] == "string":
                parts.append(_unquote(self.take()[1]))
            return "".join(parts)
        return _scalar(kind, text)

    def message(self, closer: str | None) -> dict[str, Any]:
        if closer is not None:
            self.take()  # the opening brace
        fields: dict[str, Any] = {}
        while True:
            token = self.peek()
            if token is None:
                if closer is not None:
                    raise ConfigSyntaxError(f"missing {closer!r}")
                return fields
            if token[1] == closer:
                self.take()
                return fields
            kind, name, line = self.take()
            if kind != "ident":
                raise ConfigSyntaxError(f"line {line}: expected a field name, found {name!r}")
            nxt = self.peek()
            if nxt is not None and nxt[1] == ":":
                self.take()
                nxt = self.peek()
            if nxt is not None and nxt[1] == "[":
                self.take()
                values = []
                while (item := self.peek()) is not None and item[1] != "]":
                    values.append(self.value())
                    if (sep := self.peek()) is not None and sep[1] == ",":
                        self.take()
                self.take("]")
            else:
                values = [self.value()]
            if name in REPEATED_FIELDS:
                fields.setdefault(name, []).extend(values)
            else:
                fields[name] = values[-1]
            while (sep := self.peek()) is not None and sep[1] in (",", ";"):
                self.take()


def _maps_to_objects(message: Any) -> Any:
    if isinstance(message, list):
        return [_maps_to_objects(item) for item in message]
    if not isinstance(message, dict):
        return message
    converted: dict[str, Any] = {}
    for name, value in message.items():
        if name in MAP_FIELDS and isinstance(value, list) and all(isinstance(e, dict) and "key" in e for e in value):
            converted[name] = {str(entry["key"]): _maps_to_objects(entry.get("value")) for entry in value}
        else:
            converted[name] = _maps_to_objects(value)
    return converted


def parse_model_config(text: str) -> dict[str, Any]:
    """The config as Triton's JSON form, with the top-level defaults model code may rely on."""
    config = _maps_to_objects(_Parser(text).message(None))
    config.setdefault("max_batch_size", 0)
    config.setdefault("input", [])
    config.setdefault("output", [])
    config.setdefault("parameters", {})
    for tensor in config["input"] + config["output"]:
        tensor.setdefault("dims", [])
    return config
