"""A stored API key (and secret header) is found nowhere: not in clear in the database, not on any
page of ours, not in the admin, not in a failed run's logs or stored error."""

import logging

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client
from django.urls import reverse

from playground.conversations.models import Audience, ShareLink
from playground.runs.models import Run
from tests.runs.helpers import body as run_body
from tests.runs.helpers import frames_until_end, make_member, open_socket, start

from tests.factories import SECRET_HEADER, SECRET_KEY, text

SECRETS = (SECRET_KEY, SECRET_HEADER)


def assert_no_secret(text: str, *extra: str):
    for secret in (*SECRETS, *extra):
        assert secret not in text


def test_it_stores_the_key_only_encrypted(team):
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(c)::text FROM providers_providercredential c")
        rows = " ".join(row[0] for row in cursor.fetchall())
    assert "api_key_encrypted" in rows
    assert_no_secret(rows)
    assert team.credential.api_key() == SECRET_KEY


def test_it_renders_no_secret_on_any_team_page(team):
    client = team.client("owner")
    ws, cid = team.workspace.public_id, team.credential.public_id
    pages = [
        reverse("teams:settings", args=[ws]), reverse("providers:list", args=[ws]),
        reverse("providers:new", args=[ws]), reverse("providers:edit", args=[ws, cid]),
        reverse("providers:delete", args=[ws, cid]), reverse("playground"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_no_secret(text(response), team.credential.api_key_encrypted, team.credential.extra_headers_encrypted)


def test_it_shows_no_secret_and_no_ciphertext_in_the_admin(team, make_user):
    staff = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    ciphertexts = (team.credential.api_key_encrypted, team.credential.extra_headers_encrypted)
    for url in (
        reverse("admin:providers_providercredential_changelist"),
        reverse("admin:providers_providercredential_change", args=[team.credential.pk]),
        reverse("admin:teams_workspace_change", args=[team.workspace.pk]),
        reverse("admin:teams_workspace_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(text(response), *ciphertexts)
    change_page = text(client.get(reverse("admin:providers_providercredential_change", args=[team.credential.pk])))
    assert "Gateway" in change_page and "••••••••" in change_page
    assert "X-Gateway-Token: ••••••••" in change_page


@pytest.mark.django_db(transaction=True)
async def test_it_keeps_the_key_out_of_a_failed_runs_logs_and_error(fake_provider, caplog, settings):
    settings.PROVIDER_MAX_RETRIES = 0
    caplog.set_level(logging.DEBUG)
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    provider.set_api_key(SECRET_KEY)
    provider.set_extra_headers({"X-Gateway-Token": SECRET_HEADER})
    await sync_to_async(provider.save)()
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, run_body(model="fake-gpt@fault=401"))
    frames = await frames_until_end(socket, accepted["runs"][0], timeout=20)
    await socket.disconnect()
    run = await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])
    assert run.status == "failed" and run.error["status"] == 401
    assert "401" in caplog.text, "the failure was logged"
    assert_no_secret(caplog.text)
    assert_no_secret(str(frames))
    assert_no_secret(repr(run.error) + repr(run.request) + repr(run.response) + repr(run.notices))


@pytest.mark.django_db(transaction=True)
async def test_it_redacts_every_header_value_and_the_key_a_provider_echoes(fake_provider, caplog, settings):
    # Header names that do not look secret: the form promises every value is kept like the key.
    headers = {"X-Custom-Pass": "pass-4f9a2c7e91", "X-Org": "acme", "X-Team": "blue-team-7"}
    settings.PROVIDER_MAX_RETRIES = 0
    caplog.set_level(logging.DEBUG)
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    provider.set_api_key(SECRET_KEY)
    provider.set_extra_headers(headers)
    await sync_to_async(provider.save)()
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, run_body(model="fake-gpt@fault=echo"))
    frames = await frames_until_end(socket, accepted["runs"][0], timeout=20)
    await socket.disconnect()
    run = await sync_to_async(Run.objects.select_related("conversation").get)(public_id=accepted["runs"][0])
    assert run.status == "failed" and "x-custom-pass: [redacted]" in run.error["message"], "the provider echoed the headers"
    link, token = await sync_to_async(ShareLink.issue)(run.conversation, user=user, audience=Audience.ANYONE)
    shared = await sync_to_async(Client().get)(reverse("conversations:shared", args=[token]))
    assert shared.status_code == 200 and "x-custom-pass" in text(shared)
    for shown in (str(frames), repr(run.error), text(shared), caplog.text):
        assert_no_secret(shown, *headers.values())
