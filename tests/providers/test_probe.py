"""The capability probe against the fake provider: every check gives a verdict, and imitated
servers (options ignored, refused with 400 or with a validation 500) are told apart."""


from playground.providers.config import ProviderConfig
from playground.providers.probe import BY_KEY, CHECKS, HONOURED, IGNORED, REJECTED, estimate_usage, probe
from tests.providers.conftest import API_KEY


def fake(fake_provider, **knobs) -> ProviderConfig:
    headers = {f"X-Fake-{name.replace('_', '-')}": value for name, value in knobs.items()}
    return ProviderConfig("Fake", "compatible", fake_provider.base_url, API_KEY, extra_headers=headers)


def verdicts(report) -> dict[str, str]:
    return {finding.key: finding.verdict for finding in report.findings}


async def test_it_finds_the_fake_provider_honours_what_it_implements(fake_provider):
    report = await probe(fake(fake_provider), "fake-gpt")

    found = verdicts(report)
    assert list(found) == [check.key for check in CHECKS]
    honoured = {"include_usage", "max_tokens", "max_completion_tokens", "stop", "seed", "logprobs", "top_logprobs",
                "n", "json_object", "json_schema", "tool_choice_auto", "tool_choice_required", "tool_choice_named",
                "developer_role", "system_role", "stream_schema"}
    assert {key for key, verdict in found.items() if verdict == HONOURED} == honoured
    assert found["top_logprobs_alone"] == REJECTED
    assert found["image_parts"] == IGNORED  # it reads no images: the prompt counts the same
    assert found["unknown_model"] == IGNORED
    assert report.server_model == "fake-gpt" and report.requests == estimate_usage()["requests"]
    assert len(fake_provider.requests) == report.requests


async def test_it_tells_ignored_options_from_honoured_ones(fake_provider):
    report = await probe(fake(fake_provider, ignore="max_completion_tokens+n+logprobs+usage"), "fake-gpt")

    found = verdicts(report)
    assert found["max_completion_tokens"] == IGNORED
    assert found["max_tokens"] == HONOURED
    assert found["n"] == IGNORED
    assert found["logprobs"] == IGNORED
    assert found["include_usage"] == IGNORED


async def test_it_records_a_rejection_with_the_servers_message(fake_provider):
    report = await probe(fake(fake_provider, reject="developer+json_schema", reject_status="500"), "fake-gpt")

    rejected = {f.key: f for f in report.findings if f.verdict == REJECTED}
    assert {"developer_role", "json_schema"} <= set(rejected)
    assert rejected["developer_role"].status == 500
    assert "Input should be" in rejected["developer_role"].message
    # Sent once each: a validation 500 is not retried.
    developer = [r for r in fake_provider.requests if b'"developer"' in r.body]
    assert len(developer) == 1


async def test_it_stops_between_requests_when_asked(fake_provider):
    asked = []

    def should_stop():
        asked.append(1)
        return len(fake_provider.requests) >= 3

    report = await probe(fake(fake_provider), "fake-gpt", should_stop=should_stop)

    assert report.cancelled
    assert len(fake_provider.requests) == 3 == report.requests


async def test_it_keeps_every_request_short(fake_provider):
    await probe(fake(fake_provider), "fake-gpt")

    limits = [r.json().get("max_tokens") or r.json().get("max_completion_tokens") for r in fake_provider.requests]
    assert all(limit is not None and limit <= 16 for limit in limits)


def test_it_names_the_options_of_each_check():
    assert BY_KEY["include_usage"].params == ("stream_options",)
    assert all(check.params for check in CHECKS)
