"""Compile Python files without running them: stdin {"files": [...]}, stdout [{"file", "error"?}]."""

import json
import sys

results = []
for path in json.load(sys.stdin)["files"]:
    try:
        with open(path, "rb") as handle:
            compile(handle.read(), path, "exec", dont_inherit=True)
        results.append({"file": path})
    except (SyntaxError, ValueError) as error:
        results.append({"file": path, "error": f"{type(error).__name__}: {error}"})
json.dump(results, sys.stdout)
