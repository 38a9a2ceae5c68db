"""The websocket messages of experiments, built here once. They ride the page socket beside the run
frames (runs/protocol.py), which carry every cell's text as it streams.

The browser sends:

    experiment.watch   {"type": "experiment.watch", "ref": "w1", "experiment": "Ex…", "rows": ["Rw…", …]}
                       (follow the experiment; the socket also watches the running cells of these rows)
    experiment.run     {"type": "experiment.run", "ref": "r1", "experiment": "Ex…",
                        "scope": "unfinished" | "all" | "failed", "variant": "Va…"?, "row": "Rw…"?, "cell": "Ce…"?}
                       (queue cells: "unfinished" = never run, failed or stopped; "all" runs even
                       finished ones again; a variant, row or cell narrows it)
    experiment.stop    {"type": "experiment.stop", "ref": "s1", "experiment": "Ex…"}

The server sends:

    experiment.state    {"type": "experiment.state", "ref": "w1", "experiment": "Ex…", "progress": {…},
                         "cells": [{"cell": "Ce…", "state": "running", "run": "Qk…"}, …]}   (watched rows only)
    experiment.cell     {"type": "experiment.cell", "experiment": "Ex…", "cell": "Ce…", "row": "Rw…",
                         "variant": "Va…", "state": "done", "run": "Qk…", "html": "<…>"?}
                        (html: the finished cell as the grid shows it, rendered by a template)
    experiment.cells    {"type": "experiment.cells", "experiment": "Ex…", "state": "queued", "cells": ["Ce…", …]}
                        (many cells changed state at once: queued by a Run, back to not run by Stop all)
    experiment.progress {"type": "experiment.progress", "experiment": "Ex…", "total": 400, "done": 120,
                         "running": 32, "queued": 240, "failed": 8, "idle": 0, "elapsed": 31.2,
                         "eta": 70.5, "active": true}
    experiment.accepted {"type": "experiment.accepted", "ref": "r1", "experiment": "Ex…", "queued": 15}

Between processes: `experiment.wake` {experiment, stop?} to the driving process's channel (new
cells are queued, or Stop all was pressed); the events above go to the group `experiment.<id>`.
"""

WATCH = "experiment.watch"
RUN = "experiment.run"
STOP = "experiment.stop"
BROWSER_MESSAGES = (WATCH, RUN, STOP)

STATE = "experiment.state"
CELL = "experiment.cell"
CELLS = "experiment.cells"
PROGRESS = "experiment.progress"
ACCEPTED = "experiment.accepted"
# Channel-layer only: to the driver, and the group events' own type (handled by the socket).
WAKE = "experiment.wake"
EVENT = "experiment.event"


def group(experiment_id: str) -> str:
    return f"experiment.{experiment_id}"


def state(ref, experiment_id: str, progress: dict, cells: list[dict]) -> dict:
    return {"type": STATE, "ref": ref, "experiment": experiment_id, "progress": progress, "cells": cells}


def cell(experiment_id: str, *, cell: str, row: str, variant: str, state: str, run: str | None,
         html: str | None = None, control: str | None = None) -> dict:
    frame = {"type": CELL, "experiment": experiment_id, "cell": cell, "row": row, "variant": variant, "state": state, "run": run}
    if html is not None:
        frame["html"] = html
    if control:
        frame["control"] = control  # the run's control channel, for the socket only (stripped before the browser)
    return frame


def cells(experiment_id: str, state: str, cell_ids: list[str]) -> dict:
    return {"type": CELLS, "experiment": experiment_id, "state": state, "cells": cell_ids}


def progress(experiment_id: str, counts: dict) -> dict:
    return {"type": PROGRESS, "experiment": experiment_id, **counts}


def accepted(ref, experiment_id: str, queued: int) -> dict:
    return {"type": ACCEPTED, "ref": ref, "experiment": experiment_id, "queued": queued}


def event(frame: dict) -> dict:
    """A frame for the experiment's group; each watching socket forwards it (see core's consumer)."""
    return {"type": EVENT, "frame": frame}


def wake(experiment_id: str, *, stop: bool = False) -> dict:
    return {"type": WAKE, "experiment": experiment_id, "stop": stop}
