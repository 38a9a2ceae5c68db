"""Export a session as JSON and Markdown, import it back, import a bare request body."""

import json

import pytest
from django.urls import reverse

from playground.conversations.export import session_data
from playground.conversations.models import Conversation
from playground.teams.access import personal_workspace
from playground.providers.models import ProviderCredential

from tests.factories import client_for, continue_run, make_run, make_session, make_user

pytestmark = pytest.mark.django_db
SECRET = "sk-secret-do-not-leak-0123456789"


def shape(conversation) -> list[tuple]:
    """A session's runs as comparable values: tree position, request, answer, usage, metrics, status."""
    data = session_data(conversation)
    ids = {run["id"]: number for number, run in enumerate(data["runs"])}
    return [(ids.get(run["parent"]), run["request"], run["choices"], run["usage"], run["metrics"], run["status"], run["chunk_times"])
            for run in data["runs"]]


def test_it_round_trips_a_session_through_export_and_import():
    alice = make_user("alice")
    credential = ProviderCredential(workspace=personal_workspace(alice), name="Fake", base_url="http://127.0.0.1:9/v1")
    credential.set_api_key(SECRET)
    credential.save()
    session = make_session(alice, title="Round trip", tags=["a", "b"])
    first = make_run(session, "One", "Uno", usage={"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}, chunk_times=[0.1, 0.2])
    continue_run(first, "Two", "Dos", temperature=0.3)
    continue_run(first, "Three", "Tres", status="failed")
    client = client_for(alice)
    exported = client.get(reverse("conversations:export_json", args=[session.public_id]))
    assert exported["Content-Disposition"].startswith('attachment; filename="round-trip-')
    assert SECRET not in exported.content.decode() and "127.0.0.1:9" not in exported.content.decode()

    response = client.post(reverse("conversations:import"), {"text": exported.content.decode()})
    assert response.status_code == 302
    copy = Conversation.objects.exclude(pk=session.pk).get()
    assert response["Location"] == f"/s/{copy.public_id}/"
    assert (copy.title, copy.tags, copy.workspace, copy.author) == ("Round trip", ["a", "b"], session.workspace, alice)
    assert shape(copy) == shape(session)
    assert Conversation.objects.filter(search_vector__isnull=False, pk=copy.pk).exists()


def test_it_imports_a_bare_request_body_as_a_draft():
    alice = make_user("alice")
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Plan a picnic"}], "temperature": 0.4}
    response = client_for(alice).post(reverse("conversations:import"), {"text": json.dumps(body)})
    assert response.status_code == 302
    session = Conversation.objects.get()
    assert (session.title, session.draft_request, session.runs.count()) == ("Plan a picnic", body, 0)


def test_it_refuses_an_invalid_request_with_clear_errors():
    alice = make_user("alice")
    client = client_for(alice)
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "temperature": 9}
    response = client.post(reverse("conversations:import"), {"text": json.dumps(body)})
    assert response.status_code == 422
    assert "Nothing was imported" in response.content.decode() and "temperature" in response.content.decode()
    broken = client.post(reverse("conversations:import"), {"text": "{not json"})
    assert "This is not valid JSON" in broken.content.decode()
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("text, words", [
    ("[" * 100_000 + "]" * 100_000, "nested 100000 levels deep"),
    ('{"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "temperature": NaN}', "NaN is not a JSON number"),
])
def test_it_refuses_deep_or_non_finite_json_with_a_clear_message(text, words):
    client = client_for(make_user("alice"))
    response = client.post(reverse("conversations:import"), {"text": text})
    assert response.status_code == 422
    assert words in response.content.decode()
    assert not Conversation.objects.exists()


def test_it_imports_an_export_whose_metrics_and_dates_are_out_of_range():
    alice = make_user("alice")
    run = {"id": "r", "request": {"model": "m", "messages": [{"role": "user", "content": "x"}]}, "status": "completed",
           "metrics": {"output_tokens": -5, "total_time": 10**400, "time_to_first_token": True, "tokens_per_second": 2.5},
           "started_at": "2024-13-45T99:00:00", "choices": [{"index": 0, "content": "y"}], "chunk_times": 5, "notices": 7}
    exported = {"format": "chat-playground.session", "version": 1, "session": {"title": "Odd"}, "runs": [run]}
    response = client_for(alice).post(reverse("conversations:import"), {"text": json.dumps(exported)})
    assert response.status_code == 302
    imported = Conversation.objects.get().runs.get()
    assert (imported.output_tokens, imported.total_time, imported.time_to_first_token, imported.tokens_per_second) == (None, None, None, 2.5)


def test_it_exports_markdown_with_each_run_and_its_answer():
    alice = make_user("alice")
    session = make_session(alice, title="Notes")
    first = make_run(session, "Question one", "Answer one")
    continue_run(first, "Question two", "Answer two", temperature=0.5)
    text = client_for(alice).get(reverse("conversations:export_markdown", args=[session.public_id])).content.decode()
    assert text.startswith("# Notes")
    assert "## Run 2: fake-gpt (completed)" in text and "Continues run 1." in text
    assert "- `temperature`: `0.5`" in text
    assert text.index("> Question two") < text.index("Answer two")
    assert text.count("> Question one") == 1


def test_it_refuses_an_import_file_over_the_size_limit():
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(make_user("alice"))
    oversized = SimpleUploadedFile("big.json", b"[" + b"0," * (3 * 1024 * 1024) + b"0]", content_type="application/json")
    response = client.post(reverse("conversations:import"), {"file": oversized})
    assert response.status_code == 422 and "The file is larger than 5 MB." in response.content.decode()
    assert not Conversation.objects.exists()
