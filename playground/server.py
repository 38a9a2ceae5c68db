"""`python -m playground.server ARGS`: Daphne (same arguments as `daphne`) on uvloop's event loop.

Daphne creates its event loop when `daphne.server` is first imported, from the event loop policy
in force at that moment, so the policy is set here before Daphne is imported. On uvloop the
relay's hot path (reading provider streams, writing websocket frames) takes about a tenth less CPU
per relayed token (docs/BENCHMARKS.md); without uvloop (a platform it has no wheel for) this is
plain Daphne. It also sends Twisted's TCP writes at once when nothing waits to go out
(playground/eager_writes.py).
"""

import asyncio

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is in requirements.txt wherever it installs
    uvloop = None
else:
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

from daphne.cli import CommandLineInterface  # noqa: E402  (after the policy, on purpose)
from playground.eager_writes import eager_writes  # noqa: E402


def main() -> None:
    eager_writes()
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
