"""Drive a program in a pseudo-terminal: wait for text, type keys, report the transcript.

stdin: {"argv": [...], "cwd": ..., "env": {...}, "steps": [{"expect": "text", "send": "keys"} or {"expect": "text", "signal": "SIGTERM"}], "timeout": seconds}
stdout: {"exitCode": int | null, "signal": int | null, "transcript": str, "failedStep": int | null}
Each step waits (bounded) until `expect` appears in the output after the previous match, then sends.
"""

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")

request = json.load(sys.stdin)
master, slave = pty.openpty()
env = dict(os.environ)
env.update(request.get("env", {}))
for key, value in list(env.items()):
    if value is None:
        del env[key]
process = subprocess.Popen(request["argv"], cwd=request["cwd"], env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
os.close(slave)

raw = b""
seen = 0  # index in the plain transcript up to which expectations have matched
failed_step = None
deadline_total = time.monotonic() + request.get("timeout", 30)


def plain() -> str:
    return ANSI.sub("", raw.decode("utf-8", "replace"))


def pump(wait: float) -> bool:
    """Read what is available; False once the program has closed the terminal."""
    global raw
    ready, _, _ = select.select([master], [], [], wait)
    if not ready:
        return True
    try:
        chunk = os.read(master, 65536)
    except OSError:
        return False
    if not chunk:
        return False
    raw += chunk
    return True


open_terminal = True
for index, step in enumerate(request["steps"]):
    step_deadline = min(deadline_total, time.monotonic() + step.get("timeout", 10))
    found = -1
    while time.monotonic() < step_deadline:
        found = plain().find(step["expect"], seen)
        if found >= 0 or not open_terminal:
            break
        open_terminal = pump(0.05)
    if found < 0:
        failed_step = index
        break
    seen = found + len(step["expect"])
    time.sleep(step.get("delay", 0.05))
    if "signal" in step:
        # Like `kill` from another terminal: the signal goes to the program, not through the tty.
        process.send_signal(getattr(signal, step["signal"]))
    else:
        os.write(master, step["send"].encode("utf-8"))

# Let the program finish (bounded), reading its output so it never blocks on a full terminal.
end = time.monotonic() + request.get("exitTimeout", 15)
while time.monotonic() < end and process.poll() is None:
    if open_terminal:
        open_terminal = pump(0.05)
    else:
        time.sleep(0.05)
# Drain what is left after exit: stop at the first quiet moment.
while open_terminal:
    before = len(raw)
    open_terminal = pump(0.1)
    if len(raw) == before:
        break
if process.poll() is None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
code = process.returncode
json.dump(
    {
        "exitCode": code if code is not None and code >= 0 else None,
        "signal": -code if code is not None and code < 0 else None,
        "transcript": plain(),
        "failedStep": failed_step,
    },
    sys.stdout,
)
