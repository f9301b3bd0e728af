"""Parse requirement lines with `packaging`, the library pip reads requirements with (pinned in the test venv).

stdin: ["line", ...]; stdout: [{"ok": true, "name", "extras", "url", "specifier", "marker"} or {"ok": false, "error"}].
"""

import json
import sys

from packaging.requirements import Requirement

results = []
for line in json.load(sys.stdin):
    try:
        requirement = Requirement(line)
    except Exception as error:  # InvalidRequirement, and ValueError from urllib for a malformed host
        results.append({"ok": False, "error": f"{type(error).__name__}: {error}"})
        continue
    results.append(
        {
            "ok": True,
            "name": requirement.name,
            "extras": sorted(requirement.extras),
            "url": requirement.url,
            "specifier": str(requirement.specifier),
            "marker": None if requirement.marker is None else str(requirement.marker),
        }
    )
json.dump(results, sys.stdout)
