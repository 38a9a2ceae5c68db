"""Replay: a stored run's text as it arrived, to play it back at its recorded pace.

Run stores when each chunk arrived (`chunk_times`, seconds after the start) and how many characters
of the first choice each carried (`chunk_lengths`). Other choices, and runs stored before lengths
were kept, are spread evenly over the arrivals: the pace is the recorded one, the split an estimate.
"""

from collections.abc import Iterator

from .branches import answer_text
from .models import Run

SPEEDS = {"0.5": 0.5, "1": 1.0, "2": 2.0, "5": 5.0, "instant": None}


def playback_chunks(run: Run, choice: int = 0) -> list[tuple[float, str]]:
    """(seconds after the start, text) per recorded chunk, in arrival order; empty pieces dropped."""
    text = answer_text(run, choice)
    times = sorted(t for t in run.chunk_times or [] if isinstance(t, (int, float)))
    if not text:
        return []
    if not times:
        return [(run.time_to_first_token or 0.0, text)]
    lengths = run.chunk_lengths or []
    if choice == 0 and len(lengths) == len(run.chunk_times or []) and sum(lengths) == len(text):
        pieces, start = [], 0
        for at, size in zip(run.chunk_times, lengths):
            pieces.append((at, text[start:start + size]))
            start += size
    else:
        count, length = len(times), len(text)
        pieces = [(times[i], text[i * length // count:(i + 1) * length // count]) for i in range(count)]
    return [(at, piece) for at, piece in pieces if piece]


def recorded_exactly(run: Run, choice: int = 0) -> bool:
    """Whether playback splits the text as it really arrived (else evenly, an estimate)."""
    lengths = run.chunk_lengths or []
    return choice == 0 and bool(lengths) and sum(lengths) == len(answer_text(run, choice))


def playback_schedule(run: Run, speed: float | None = 1.0, choice: int = 0) -> Iterator[tuple[float, str]]:
    """(delay before this piece, piece) pairs: the recorded gaps divided by `speed`; None is instant."""
    previous = 0.0
    for at, piece in playback_chunks(run, choice):
        gap = max(0.0, at - previous)
        previous = at
        yield (0.0 if speed is None else gap / speed), piece
