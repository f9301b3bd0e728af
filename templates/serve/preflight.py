"""Can this Python run the models? Run by `create-triton-model serve` before it loads any model.

Reads {"models": [{"name": ..., "files": [model.py paths]}]} on stdin and prints one JSON object:
the interpreter's version, numpy's version (or why it does not import), and per model the
top-level modules its model.py imports (a static scan: `import x` / `from x import y` statements at
the top level of the file) that this interpreter cannot find, with the file and line.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import platform
import sys
from typing import Any

# The fake stands in for it, and these are satisfied by the model's own folder or the interpreter.
PROVIDED = {"triton_python_backend_utils", "__future__"}


def top_level_imports(path: str) -> list[tuple[str, int]]:
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=path)
    found: list[tuple[str, int]] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.extend((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
    return found


def missing_modules(path: str) -> list[dict[str, Any]]:
    try:
        imports = top_level_imports(path)
    except (OSError, SyntaxError, ValueError):
        return []  # loading the model reports it, with the traceback
    model_folder = os.path.dirname(path)
    missing, seen = [], set()
    for module, line in imports:
        if module in PROVIDED or module in seen:
            continue
        seen.add(module)
        sys.path.insert(0, model_folder)  # modules beside model.py import, as in Triton
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        finally:
            sys.path.pop(0)
        if not found:
            missing.append({"module": module, "file": path, "line": line})
    return missing


def main() -> None:
    request = json.load(sys.stdin)
    report: dict[str, Any] = {"python": platform.python_version(), "executable": sys.executable, "numpy": None, "numpy_error": None, "missing": {}}
    try:
        import numpy

        report["numpy"] = numpy.__version__
    except Exception as error:  # ImportError, or a numpy built for another Python
        report["numpy_error"] = f"{type(error).__name__}: {error}"
    for model in request.get("models", []):
        missing = [entry for path in model.get("files", []) for entry in missing_modules(path)]
        if missing:
            report["missing"][model["name"]] = missing
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
