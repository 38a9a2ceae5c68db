"""Non-streamed answers: schema, determinism, n, stop, length limits, logprobs, usage."""

from playground.spec.validators import RESPONSE, validator
from tests.fakeprovider.helpers import chat_body, completion


def answer_text(client, **options) -> str:
    return completion(client, chat_body(**options))["choices"][0]["message"]["content"]


def test_it_answers_with_a_completion_that_follows_the_schema(api):
    response = api.post("/chat/completions", json=chat_body())

    assert response.status_code == 200
    assert response.headers["x-request-id"].startswith("req_")
    body = response.json()
    validator(RESPONSE).validate(body)
    assert body["object"] == "chat.completion"
    assert body["model"] == "fake-gpt"
    assert body["service_tier"] == "default"
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens"] == 40
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + 40


def test_it_gives_the_same_answer_for_the_same_body_and_seed(api):
    assert answer_text(api, seed=7) == answer_text(api, seed=7)


def test_it_gives_another_answer_for_another_seed_or_prompt(api):
    assert answer_text(api, seed=7) != answer_text(api, seed=8)
    assert answer_text(api, text="one prompt") != answer_text(api, text="another prompt")


def test_it_mixes_punctuation_and_multibyte_words_into_the_text(api):
    text = answer_text(api, seed=3, max_tokens=200) + answer_text(api, seed=4)

    assert any(mark in text for mark in ".,!?")
    assert any(ord(character) > 127 for character in text)


def test_it_gives_n_different_choices(api):
    body = completion(api, chat_body(n=3))

    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    assert len({c["message"]["content"] for c in body["choices"]}) == 3
    assert body["usage"]["completion_tokens"] == 120


def test_it_cuts_the_answer_before_the_first_stop_sequence(api):
    full = answer_text(api, seed=1)
    stop = full.split()[5]

    body = completion(api, chat_body(seed=1, stop=[stop, "never-there"]))

    assert body["choices"][0]["message"]["content"] == full[: full.index(stop)]
    assert body["choices"][0]["finish_reason"] == "stop"


def test_it_finishes_with_length_when_max_tokens_is_reached(api):
    for limit in ({"max_tokens": 5}, {"max_completion_tokens": 5}):
        body = completion(api, chat_body(**limit))

        assert body["choices"][0]["finish_reason"] == "length"
        assert body["usage"]["completion_tokens"] == 5


def test_it_takes_the_answer_length_from_the_tokens_knob(api):
    body = completion(api, chat_body(), headers={"X-Fake-Tokens": "12"})
    by_model = completion(api, chat_body(model="fake-gpt@tokens=12"))

    assert body["usage"]["completion_tokens"] == by_model["usage"]["completion_tokens"] == 12
    assert by_model["model"] == "fake-gpt"


def test_it_returns_logprobs_for_every_token(api):
    body = completion(api, chat_body(logprobs=True, top_logprobs=3, max_tokens=10))
    choice = body["choices"][0]
    entries = choice["logprobs"]["content"]

    assert "".join(e["token"] for e in entries) == choice["message"]["content"]
    for entry in entries:
        assert entry["logprob"] <= 0
        assert entry["bytes"] == list(entry["token"].encode())
        assert len(entry["top_logprobs"]) == 3
        alternatives = [a["logprob"] for a in entry["top_logprobs"]]
        assert alternatives == sorted(alternatives, reverse=True)


def test_it_keeps_the_text_whether_or_not_logprobs_are_asked(api):
    assert answer_text(api, logprobs=True) == answer_text(api)


def test_it_echoes_the_service_tier(api):
    assert completion(api, chat_body(service_tier="flex"))["service_tier"] == "flex"
    assert completion(api, chat_body(service_tier="auto"))["service_tier"] == "default"


def test_it_counts_reasoning_tokens_for_the_reasoner_model(api):
    usage = completion(api, chat_body(model="fake-reasoner@ttft=0,delay=0"))["usage"]

    assert usage["completion_tokens_details"]["reasoning_tokens"] > 0
