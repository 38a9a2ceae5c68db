"""What the fake provider records, as Python attributes and over /_fake/*, and the Azure route."""

import hashlib

import httpx

from tests.fakeprovider.helpers import API_KEY, TIMEOUT, chat_body, completion


def test_it_records_the_raw_body_and_lower_cased_headers(api, fake_provider):
    raw = b'{"model": "fake-gpt",  "messages": [{"role": "user", "content": "caf\\u00e9"}]}'
    response = api.post("/chat/completions", content=raw, headers={"X-Trace-Me": "yes"})

    (recorded,) = fake_provider.requests
    assert recorded.body == raw
    assert recorded.method == "POST" and recorded.path == "/v1/chat/completions"
    assert recorded.headers["x-trace-me"] == "yes"
    assert recorded.headers["authorization"] == f"Bearer {API_KEY}"
    assert recorded.request_id == response.headers["x-request-id"]


def test_it_serves_its_observations_over_http_and_resets_them(api, fake_provider):
    completion(api, chat_body())
    api.post("/chat/completions", json=chat_body(stream=True)).read()
    assert fake_provider.wait_until(lambda: fake_provider.stats["open_streams"] == 0)
    origin = httpx.Client(base_url=fake_provider.origin, timeout=TIMEOUT)

    requests = origin.get("/_fake/requests").json()["data"]
    stats = origin.get("/_fake/stats").json()
    recorded_hashes = [hashlib.sha256(r.body).hexdigest() for r in fake_provider.requests]
    origin.post("/_fake/reset")

    assert [r["body_sha256"] for r in requests] == recorded_hashes
    assert stats["requests"] == 2
    assert [s["outcome"] for s in stats["streams"]] == ["completed"]
    assert origin.get("/_fake/stats").json()["requests"] == 0
    assert fake_provider.requests == []
    origin.close()


def test_it_counts_concurrent_streams(api, fake_provider):
    hanging = {"X-Fake-Fault": "hang"}
    streams = [api.stream("POST", "/chat/completions", json=chat_body(stream=True), headers=hanging) for _ in range(4)]
    for stream in streams:
        stream.__enter__()
    assert fake_provider.wait_until(lambda: fake_provider.stats["open_streams"] == 4)
    for stream in streams:
        stream.__exit__(None, None, None)

    assert fake_provider.wait_until(lambda: fake_provider.stats["open_streams"] == 0)
    assert fake_provider.stats["max_concurrent_streams"] == 4
    assert all(s.closed_by_client_at for s in fake_provider.streams)


def test_it_lists_its_models(api):
    body = api.get("/models").json()

    assert body["object"] == "list"
    assert {"fake-gpt", "fake-reasoner", "fake-slow"} <= {m["id"] for m in body["data"]}
    assert all(m["object"] == "model" and m["owned_by"] == "fake" for m in body["data"])


def test_it_answers_on_the_azure_route_with_the_deployment_as_model(fake_provider):
    body = {"messages": [{"role": "user", "content": "hi"}]}
    path = "/openai/deployments/my-gpt/chat/completions"
    with httpx.Client(base_url=fake_provider.origin, headers={"api-key": API_KEY}, timeout=TIMEOUT) as azure:
        answer = azure.post(path, params={"api-version": "2024-10-21"}, json=body)
        without_version = azure.post(path, json=body)

    assert answer.status_code == 200
    assert answer.json()["model"] == "my-gpt"
    assert without_version.status_code == 400
    assert fake_provider.requests[0].query == "api-version=2024-10-21"
