"""Per-user run limits (concurrent and per minute) and sign-in throttling."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from playground.conversations.models import Conversation
from playground.runs.models import Run, Status
from playground.teams.access import personal_workspace
from playground.runs.limits import RunLimitExceeded, check_run_allowed
from playground.teams.ratelimit import LOGIN_FAILURE_LIMIT


@pytest.fixture
def limits(settings):
    settings.RUNS_MAX_CONCURRENT = 3
    settings.RUNS_PER_MINUTE = 5


def add_runs(user, count, status=Status.COMPLETED, age=timedelta(0)):
    conversation = Conversation.objects.create(workspace=personal_workspace(user), author=user)
    runs = [Run.objects.create(conversation=conversation, author=user, provider_name="Fake", model="m", request={}, status=status)
            for _ in range(count)]
    Run.objects.filter(pk__in=[r.pk for r in runs]).update(started_at=timezone.now() - age)


def refusal(user, starting):
    with pytest.raises(RunLimitExceeded) as caught:
        check_run_allowed(user, starting)
    return caught.value


def test_it_allows_runs_under_both_limits(alice, limits):
    add_runs(alice, 2, Status.STREAMING)
    check_run_allowed(alice, 1)


def test_it_refuses_more_concurrent_runs(alice, limits):
    add_runs(alice, 3, Status.STREAMING)
    assert refusal(alice, 1).message == "You have 3 runs streaming; wait for one to finish."


def test_it_refuses_more_columns_than_the_limit_at_once(alice, limits):
    assert "at most 3 runs at once" in refusal(alice, 4).message


def test_it_refuses_too_many_runs_in_a_minute_and_says_how_long_to_wait(alice, limits):
    add_runs(alice, 2, age=timedelta(seconds=50))
    add_runs(alice, 3, age=timedelta(seconds=5))
    error = refusal(alice, 1)
    assert error.message.startswith("Too many runs this minute; try again in ")
    assert 1 <= error.retry_after <= 10
    assert error.message == f"Too many runs this minute; try again in {error.retry_after} s."


def test_it_forgets_runs_older_than_a_minute(alice, limits):
    add_runs(alice, 5, age=timedelta(seconds=61))
    check_run_allowed(alice, 1)


def test_it_counts_only_the_users_own_runs(alice, make_user, limits):
    add_runs(make_user("bob"), 3, Status.STREAMING)
    check_run_allowed(alice, 3)


def test_it_reads_defaults_when_the_settings_are_absent(alice, settings):
    del settings.RUNS_MAX_CONCURRENT
    add_runs(alice, 8, Status.STREAMING)
    assert "You have 8 runs streaming" in refusal(alice, 1).message


# Sign-in throttling


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def form_errors(response):
    return response.context["form"].non_field_errors() if response.context else []


with_throttled_login = pytest.mark.urls("tests.teams.login_urls")


@with_throttled_login
def test_it_locks_a_username_after_five_failures(client, alice, password):
    for _ in range(LOGIN_FAILURE_LIMIT):
        assert sign_in(client, "alice", "wrong").status_code == 200
    refused = sign_in(client, "alice", password, address="10.9.9.9")
    assert refused.status_code == 200
    assert "Too many failed sign-ins for this account or from this address. Try again in 15 min." in form_errors(refused)
    assert "_auth_user_id" not in client.session


@with_throttled_login
def test_it_locks_an_address_trying_many_usernames(client, alice, password):
    for index in range(LOGIN_FAILURE_LIMIT):
        sign_in(client, f"guess{index}", "wrong")
    assert "Too many failed sign-ins" in " ".join(form_errors(sign_in(client, "alice", password)))
    assert sign_in(client, "alice", password, address="10.0.0.2").status_code == 302


@with_throttled_login
def test_it_lets_a_user_in_after_fewer_failures_and_forgets_them(client, alice, password):
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong", address="10.0.0.3")
    assert sign_in(client, "alice", password, address="10.0.0.4").status_code == 302
    client.logout()
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong", address="10.0.0.5")
    assert sign_in(client, "alice", password, address="10.0.0.6").status_code == 302


@with_throttled_login
def test_it_unlocks_after_the_window(client, alice, password, monkeypatch):
    for _ in range(LOGIN_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong")
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert sign_in(client, "alice", password).status_code == 302


def test_it_throttles_the_admin_sign_in_too(db, client, make_user, password):
    make_user("root", is_staff=True, is_superuser=True)
    for _ in range(LOGIN_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "root", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    refused = client.post(reverse("admin:login"), {"username": "root", "password": password}, REMOTE_ADDR="10.1.1.2")
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
