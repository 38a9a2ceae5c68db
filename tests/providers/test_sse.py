"""The SSE reader on raw bytes: every way a body may be cut and written, the same events."""

import json

import pytest

from playground.providers.sse import EventReader


def events_of(*pieces: bytes) -> list[tuple[str, bytes]]:
    reader = EventReader()
    return [event for piece in pieces for event in reader.feed(piece)]


def every_split(body: bytes):
    """The body in two pieces, cut at every byte (inside characters and line ends too)."""
    for cut in range(len(body) + 1):
        yield body[:cut], body[cut:]


def chunk(text: str) -> bytes:
    return json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]}, ensure_ascii=False).encode()


def test_it_reads_one_line_data_events():
    assert events_of(b"data: {\"a\":1}\n\ndata: [DONE]\n\n") == [("", b'{"a":1}'), ("", b"[DONE]")]


def test_it_gives_the_same_events_wherever_the_network_cuts_the_body():
    body = b"data: " + chunk("caf\u00e9 \u2603 \U0001F600") + b"\r\n\r\n: keep-alive\r\n\r\nevent: error\r\ndata: {}\r\n\r\n"
    whole = events_of(body)
    assert whole == [("", chunk("caf\u00e9 \u2603 \U0001F600")), ("error", b"{}")]
    for first, second in every_split(body):
        assert events_of(first, second) == whole


def test_it_keeps_a_character_split_across_reads_whole():
    body = b"data: " + chunk("\u65e5\u672c\u8a9e") + b"\n\n"
    cut = body.index("\u672c".encode()) + 1  # inside the second character
    (name, data), = events_of(body[:cut], body[cut:])
    assert json.loads(data)["choices"][0]["delta"]["content"] == "\u65e5\u672c\u8a9e"


def test_it_reads_byte_by_byte():
    body = b"data: " + chunk("\u00fcber") + b"\n\ndata: [DONE]\n\n"
    assert events_of(*[body[i:i + 1] for i in range(len(body))]) == events_of(body)


def test_it_skips_comments_and_events_without_data():
    body = b": OPENROUTER PROCESSING\n\n:\n\nevent: ping\n\nid: 7\nretry: 1000\n\ndata: {}\n\n"
    assert events_of(body) == [("", b"{}")]


def test_it_joins_several_data_lines_with_newlines():
    assert events_of(b"data: {\"a\":\ndata:  1}\n: a comment inside\ndata\n\n") == [("", b'{"a":\n 1}\n')]


def test_it_takes_one_space_after_the_colon_and_no_more():
    assert events_of(b"data:x\n\ndata:  y\n\n") == [("", b"x"), ("", b" y")]


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_it_accepts_every_line_ending(end):
    body = b"event: e" + end + b"data: 1" + end + b"data: 2" + end + end + b"data: 3" + end + end
    assert events_of(body) == [("e", b"1\n2"), ("", b"3")]
    for first, second in every_split(body):
        assert events_of(first, second) == [("e", b"1\n2"), ("", b"3")]


def test_it_does_not_take_a_cr_then_lf_across_reads_for_two_line_ends():
    assert events_of(b"data: a\r", b"\ndata: b\r\n\r\n") == [("", b"a\nb")]


def test_it_drops_a_byte_order_mark_at_the_start_only():
    bom = b"\xef\xbb\xbf"
    # Later, the same bytes are part of a line: a field named "\ufeffdata" that is not data.
    assert events_of(bom + b"data: 1\n\n" + bom + b"data: 2\n\n") == [("", b"1")]
    reader = EventReader()
    assert reader.feed(bom[:1]) == [] and reader.feed(bom[1:] + b"data: 1\n\n") == [("", b"1")]


def test_it_discards_an_event_the_body_ends_before_its_blank_line():
    reader = EventReader()
    assert reader.feed(b"data: {\"complete\":true}\n\ndata: {\"cut\":") == [("", b'{"complete":true}')]
    # Nothing more arrives: the unfinished event is never returned.
    assert reader.feed(b"") == []


def test_it_returns_data_that_is_not_json_for_the_caller_to_refuse():
    assert events_of(b"data: {not json\n\n") == [("", b"{not json")]
