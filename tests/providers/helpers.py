"""Bodies and collectors for the provider client's tests."""

import asyncio
import contextlib
import socket
import time

from playground.providers.client import stream_chat

# Generous, so a busy machine never fails a test; nothing asserts how fast things are.
WAIT = 10.0


def chat_body(text: str = "Tell me about rivers", **options) -> dict:
    return {"model": "fake-gpt", "messages": [{"role": "user", "content": text}], **options}


async def collect(config, body: dict, **options) -> list:
    """Every event of one call, the stream closed at the end whatever happens."""
    options.setdefault("deadline", time.monotonic() + WAIT)
    async with contextlib.aclosing(stream_chat(config, body, **options)) as events:
        return [event async for event in events]


def text_of(events: list, index: int = 0) -> str:
    return "".join(
        choice["delta"].get("content") or ""
        for event in events if event.kind == "chunk"
        for choice in event.data["choices"] if choice["index"] == index)


async def eventually(condition, timeout: float = WAIT) -> bool:
    """Poll without blocking the loop (the client under test runs on it)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def collect_until_error(config, body: dict, **options) -> tuple[list, Exception | None]:
    """The events that arrived before the call failed, and the error (None when it did not fail)."""
    options.setdefault("deadline", time.monotonic() + WAIT)
    events = []
    try:
        async with contextlib.aclosing(stream_chat(config, body, **options)) as stream:
            async for event in stream:
                events.append(event)
    except Exception as error:  # the tests look at which error it was
        return events, error
    return events, None


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
