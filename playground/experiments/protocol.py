"""The websocket messages of experiments, built here once. They ride the page socket beside the run
frames (runs/protocol.py). The grid does not follow each cell's run frames: 32 cells at 50 tokens/s
are 1,600 frames a second, more than a socket's channel holds and a page paints. The driver, which
has the cells' run tasks in its process, sends their new text instead (experiment.text, four times
a second); a cell opened in full follows its run's own frames (run.attach).

The browser sends:

    experiment.watch   {"type": "experiment.watch", "ref": "w1", "experiment": "Ex…", "rows": ["Rw…", …]}
                       (follow the experiment; `rows` are the rows the page shows)
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
    experiment.text     {"type": "experiment.text", "experiment": "Ex…", "cells": {"Ce…": [120, " more text"], …}}
                        (the running cells' new text, at most four times a second: [offset, text] of each
                        cell's first choice, up to the grid's preview length)
    experiment.cells    {"type": "experiment.cells", "experiment": "Ex…", "state": "queued", "cells": ["Ce…", …]}
                        (many cells changed state at once: queued by a Run, back to not run by Stop all)
    experiment.progress {"type": "experiment.progress", "experiment": "Ex…", "total": 400, "done": 120,
                         "running": 32, "queued": 240, "failed": 8, "idle": 0, "elapsed": 31.2,
                         "eta": 70.5, "active": true}
    experiment.accepted {"type": "experiment.accepted", "ref": "r1", "experiment": "Ex…", "queued": 15}
    experiment.resync   {"type": "experiment.resync", "experiment": "Ex…"}
                        (events were lost: the page loads its rows again from the server and watches anew)

Between processes: `experiment.wake` {experiment, stop?} to the driving process's channel (new
cells are queued, or Stop all was pressed); the events above go to the group `experiment.<id>`.
A channel layer drops messages past a channel's capacity without a word (a page watching hundreds
of streaming cells fills its socket's channel), so the driver numbers its events (`seq` within an
`epoch`, one per driver): a socket that sees a number skipped, or hears nothing for a while from
an experiment still running, tells its page to resync.
"""

WATCH = "experiment.watch"
RUN = "experiment.run"
STOP = "experiment.stop"
BROWSER_MESSAGES = (WATCH, RUN, STOP)

STATE = "experiment.state"
CELL = "experiment.cell"
CELLS = "experiment.cells"
TEXT = "experiment.text"
PROGRESS = "experiment.progress"
ACCEPTED = "experiment.accepted"
RESYNC = "experiment.resync"
# Channel-layer only: to the driver, and the group events' own type (handled by the socket).
WAKE = "experiment.wake"
EVENT = "experiment.event"


def group(experiment_id: str) -> str:
    return f"experiment.{experiment_id}"


def state(ref, experiment_id: str, progress: dict, cells: list[dict]) -> dict:
    return {"type": STATE, "ref": ref, "experiment": experiment_id, "progress": progress, "cells": cells}


def cell(experiment_id: str, *, cell: str, row: str, variant: str, state: str, run: str | None,
         html: str | None = None) -> dict:
    frame = {"type": CELL, "experiment": experiment_id, "cell": cell, "row": row, "variant": variant, "state": state, "run": run}
    if html is not None:
        frame["html"] = html
    return frame


def cells(experiment_id: str, state: str, cell_ids: list[str]) -> dict:
    return {"type": CELLS, "experiment": experiment_id, "state": state, "cells": cell_ids}


def text(experiment_id: str, pieces: dict[str, list]) -> dict:
    return {"type": TEXT, "experiment": experiment_id, "cells": pieces}


def progress(experiment_id: str, counts: dict) -> dict:
    return {"type": PROGRESS, "experiment": experiment_id, **counts}


def accepted(ref, experiment_id: str, queued: int) -> dict:
    return {"type": ACCEPTED, "ref": ref, "experiment": experiment_id, "queued": queued}


def resync(experiment_id: str) -> dict:
    return {"type": RESYNC, "experiment": experiment_id}


def event(frame: dict, *, seq: int | None = None, epoch: str | None = None) -> dict:
    """A frame for the experiment's group; each watching socket forwards it (see consumer.py).
    The driver's own events are numbered (seq within its epoch) so that a lost one shows."""
    return {"type": EVENT, "frame": frame, "seq": seq, "epoch": epoch}


def wake(experiment_id: str, *, stop: bool = False) -> dict:
    return {"type": WAKE, "experiment": experiment_id, "stop": stop}
