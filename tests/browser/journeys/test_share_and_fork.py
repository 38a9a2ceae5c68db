"""Journey: sharing. The owner shares a session with anyone, then only with signed-in people and an
expiry; a signed-out visitor reads it and is offered to sign in; signed in, they fork it and it
opens ready to run in their own workspace; the owner revokes the link and it is dead."""

import re

import pytest
from playwright.sync_api import expect

from playground.conversations.models import Conversation
from playground.runs.models import Run
from playground.teams.access import personal_workspace

from .conftest import add_fake_provider

pytestmark = pytest.mark.browser


def make_link(owner, audience: str, expiry: str) -> str:
    page = owner.page
    page.check(f"input[name=audience][value={audience}]")
    page.select_option("select[name=expires_in]", label=expiry)
    with page.expect_navigation():
        page.click("button:has-text('Make link')")
    page.wait_for_load_state()  # the page's scripts are in (Copy is theirs)
    expect(page.locator(".share-new")).to_be_visible()
    copy = page.locator("[data-copy=share-url]")
    copy.click()
    expect(copy).to_have_text("Copied")
    url = page.input_value("#share-url")
    assert page.evaluate("navigator.clipboard.readText()") == url
    return url


def test_a_session_is_shared_forked_and_revoked(people, fake_provider, size):
    olga = people("olga", "share", size)
    pat = people("pat", "share", size)
    add_fake_provider(personal_workspace(olga.user), fake_provider)
    add_fake_provider(personal_workspace(pat.user), fake_provider, name="Pat's fake")
    olga.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=olga.base_url)

    # The owner's session: a prompt with a tuned temperature, answered.
    olga.sign_in()
    olga.wait_connected()
    olga.set_field("#f-model", "fake-gpt")
    olga.set_field("#f-temperature", "0.4")
    olga.close_panel()
    olga.page.locator(".message[data-role=user] .message-content").fill("Write a haiku about tea")
    olga.page.keyboard.press("Control+Enter")
    expect(olga.page.locator(".run .run-status")).to_have_text("Done", timeout=15_000)
    session = Conversation.objects.get()

    # Share it from the sidebar's menu, with anyone first.
    olga.open_sessions()
    item = olga.page.locator(f"#session-{session.public_id}")
    item.locator(".session-more > summary").click()
    item.locator("a:has-text('Share…')").click()
    expect(olga.page.locator("h1")).to_have_text("Share “Write a haiku about tea”")
    olga.shot("share-settings")
    anyone_url = make_link(olga, "anyone", "Never")
    olga.shot("link-made")

    # A visitor who is not signed in reads it, and is offered to sign in to fork.
    pat.page.goto(anyone_url)
    expect(pat.page.locator("h1")).to_have_text("Write a haiku about tea")
    expect(pat.page.locator(".shared-run .choice-text")).not_to_be_empty()
    expect(pat.page.locator(".shared-message[data-role=user]")).to_contain_text("Write a haiku about tea")
    expect(pat.page.locator(".fork-form")).to_have_count(0)
    expect(pat.page.locator("a:has-text('Sign in to fork')")).to_be_visible()
    pat.expect_pinned_shell()
    pat.shot("visitor-reads")

    # The owner narrows it: signed-in people only, for a day. The first link stops working.
    signed_in_url = make_link(olga, "signed_in", "In 1 day")
    expect(olga.page.locator(".share-current")).to_contain_text("Signed-in users with the link")
    expect(olga.page.locator(".share-current")).to_contain_text("expires")
    response = pat.page.goto(anyone_url)
    assert response.status == 404
    pat.forget_errors()  # the browser logs the 404 status

    # The visitor opens the new link, signs in, and lands back on it, now with Fork.
    pat.page.goto(signed_in_url)
    expect(pat.page).to_have_url(re.compile(r"/accounts/login/"))
    pat.shot("asked-to-sign-in")
    pat.sign_in(expect_path=None)
    expect(pat.page).to_have_url(signed_in_url)
    fork = pat.page.locator(".fork-form")
    expect(fork).to_be_visible()
    expect(fork.locator("select option:checked")).to_have_text("Personal")
    pat.shot("signed-in-visitor")
    fork.locator("button:has-text('Fork')").click()

    # The copy opens in their own workspace, as it was sent, ready to run.
    copy = Conversation.objects.get(author=pat.user)
    expect(pat.page).to_have_url(re.compile(rf"/s/{copy.public_id}/$"))
    assert copy.workspace == personal_workspace(pat.user) and copy.runs.count() == 1
    expect(pat.page.locator(".flash-success")).to_contain_text("Forked into Personal")
    pat.wait_connected()
    expect(pat.page.locator(".run .run-status")).to_have_text("Done")
    expect(pat.page.locator(".run .choice-text")).not_to_be_empty()
    expect(pat.page.locator(".message[data-role=user] .message-content").last).to_have_value("Write a haiku about tea")
    pat.open_panel()
    expect(pat.page.locator("#f-temperature")).to_have_value("0.4")
    expect(pat.page.locator("#f-model")).to_have_value("fake-gpt")
    expect(pat.page.locator("#f-provider option:checked")).to_have_text("Pat's fake")
    pat.close_panel()
    expect(pat.page.locator("#run-button")).to_be_enabled()
    pat.shot("fork-opened")
    pat.page.keyboard.press("Control+Enter")
    expect(pat.page.locator(".run .run-status")).to_have_text(["Done", "Done"], timeout=15_000)
    assert Run.objects.filter(conversation=copy).count() == 2
    pat.shot("fork-ran")

    # The owner revokes: the link is dead for everyone.
    pat.expect_no_errors()
    olga.page.click("button:has-text('Revoke the link')")
    expect(olga.page.locator(".share-current")).to_contain_text("No active link")
    olga.shot("revoked")
    response = pat.page.goto(signed_in_url)
    assert response.status == 404
    expect(pat.page.locator("body")).to_contain_text("does not exist, was revoked, or has expired")
    pat.shot("link-dead")
    olga.expect_no_errors()
