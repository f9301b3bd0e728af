"""The public surface of the pb_utils type stub (read with ast) and of the fake module (imported).

stdin: {"stub": path of triton_python_backend_utils.pyi, "fake": folder of the fake module}
stdout: {"stub": Surface, "fake": Surface}, where
    Surface = {name: Entry} for module-level public names
    Entry   = {"kind": "constant"} | {"kind": "function", "static": bool, "params": [Param]}
            | {"kind": "class", "members": {name: Entry}}
    Param   = {"name", "kind": "positional-only" | "positional-or-keyword" | "keyword-only"
               | "var-positional" | "var-keyword", "default": None (no default) | "..." (a stub's
               unspecified default) | repr of the default value}
Public: not starting with "_", plus the dunder methods of protocols (__init__, __iter__, ...).
Methods are described without self. An overloaded stub function is described by its last
overload; "overloads" lists every overload's parameters so the caller can check they agree.
"""

import ast
import importlib.util
import inspect
import json
import sys

PUBLIC_DUNDERS = {"__init__", "__iter__", "__next__", "__dlpack__", "__dlpack_device__"}


def is_public(name):
    return not name.startswith("_") or name in PUBLIC_DUNDERS


# --- the stub, read as source ---------------------------------------------------------------


def stub_default(node):
    if node is None:
        return None
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return "..."
    try:
        return repr(ast.literal_eval(node))
    except ValueError:
        return ast.unparse(node)


def stub_params(function, is_method):
    args = function.args
    positional = [(a, "positional-only") for a in args.posonlyargs] + [(a, "positional-or-keyword") for a in args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    params = [{"name": a.arg, "kind": kind, "default": stub_default(d)} for (a, kind), d in zip(positional, defaults)]
    if args.vararg:
        params.append({"name": args.vararg.arg, "kind": "var-positional", "default": None})
    params += [{"name": a.arg, "kind": "keyword-only", "default": stub_default(d)} for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg:
        params.append({"name": args.kwarg.arg, "kind": "var-keyword", "default": None})
    return params[1:] if is_method else params


def decorator_names(function):
    return {d.id if isinstance(d, ast.Name) else ast.unparse(d) for d in function.decorator_list}


def stub_body(body, in_class):
    entries = {}
    overloads = {}
    for node in body:
        if isinstance(node, ast.FunctionDef) and is_public(node.name):
            static = "staticmethod" in decorator_names(node)
            params = stub_params(node, in_class and not static)
            entries[node.name] = {"kind": "function", "static": static, "params": params}
            if "overload" in decorator_names(node):
                overloads.setdefault(node.name, []).append(params)
                entries[node.name]["overloads"] = overloads[node.name]
        elif isinstance(node, ast.ClassDef) and is_public(node.name):
            entries[node.name] = {"kind": "class", "members": stub_body(node.body, True)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and is_public(node.target.id):
            entries[node.target.id] = {"kind": "constant"}
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and is_public(target.id):
                    entries[target.id] = {"kind": "constant"}
    return entries


# --- the fake, imported ---------------------------------------------------------------------

KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional-only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional-or-keyword",
    inspect.Parameter.KEYWORD_ONLY: "keyword-only",
    inspect.Parameter.VAR_POSITIONAL: "var-positional",
    inspect.Parameter.VAR_KEYWORD: "var-keyword",
}


def fake_params(function, is_method):
    params = [
        {"name": p.name, "kind": KINDS[p.kind], "default": None if p.default is inspect.Parameter.empty else repr(p.default)}
        for p in inspect.signature(function).parameters.values()
    ]
    return params[1:] if is_method else params


def fake_class(cls):
    members = {}
    for name, value in vars(cls).items():
        if not is_public(name):
            continue
        if isinstance(value, staticmethod):
            members[name] = {"kind": "function", "static": True, "params": fake_params(value.__func__, False)}
        elif inspect.isfunction(value):
            members[name] = {"kind": "function", "static": False, "params": fake_params(value, True)}
        elif isinstance(value, (int, float, str)):
            members[name] = {"kind": "constant"}
        else:
            members[name] = {"kind": type(value).__name__}
    return {"kind": "class", "members": members}


def fake_module(module):
    entries = {}
    for name, value in vars(module).items():
        if not is_public(name) or inspect.ismodule(value):
            continue
        if inspect.isclass(value) or inspect.isfunction(value):
            if value.__module__ != module.__name__:
                continue  # imported, e.g. Any or Callable
            entries[name] = fake_class(value) if inspect.isclass(value) else {"kind": "function", "static": False, "params": fake_params(value, False)}
        elif isinstance(value, (int, float, str)):
            entries[name] = {"kind": "constant"}
        elif type(value).__module__ == "__future__":
            continue  # from __future__ import annotations
        else:
            entries[name] = {"kind": type(value).__name__}
    return entries


payload = json.load(sys.stdin)
with open(payload["stub"], encoding="utf-8") as handle:
    stub = stub_body(ast.parse(handle.read()).body, False)
sys.path.insert(0, payload["fake"])
spec = importlib.util.spec_from_file_location("triton_python_backend_utils", f"{payload['fake']}/triton_python_backend_utils.py")
assert spec is not None and spec.loader is not None
fake = importlib.util.module_from_spec(spec)
sys.modules["triton_python_backend_utils"] = fake
spec.loader.exec_module(fake)
json.dump({"stub": stub, "fake": fake_module(fake)}, sys.stdout)
