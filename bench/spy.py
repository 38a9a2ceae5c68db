"""Sampling the Daphne process with py-spy while a level runs, and summing the samples per function.

    .venv/bin/python bench/spy.py bench/results/profile-100.raw     # print the summary again
"""

import subprocess
import sys
from collections import Counter
from pathlib import Path

PY_SPY = Path(sys.executable).with_name("py-spy")
SAMPLE_RATE = 250
TOP = 30


def start(pid: int, seconds: float, output: Path) -> subprocess.Popen:
    """Record collapsed stacks of every thread of `pid` for `seconds` (without pausing it: --nonblocking)."""
    return subprocess.Popen(
        [str(PY_SPY), "record", "--pid", str(pid), "--rate", str(SAMPLE_RATE), "--duration", str(int(seconds)),
         "--format", "raw", "--nonblocking", "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize(raw: Path) -> str:
    """Share of samples per function: inclusive (anywhere on the stack) and self (at the top)."""
    inclusive, own, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_short(frame) for frame in stack.split(";")]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    if not total:
        return "no samples"
    lines = [f"{total} samples; share of samples with the function anywhere on the stack (inclusive):"]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in inclusive.most_common(TOP)]
    lines += ["", "share of samples with the function on top (self):"]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in own.most_common(TOP)]
    return "\n".join(lines)


def _short(frame: str) -> str:
    """`send (daphne/ws_protocol.py:123)` -> `send (daphne/ws_protocol.py)`: lines apart, same function."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "python3.11/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1])))
