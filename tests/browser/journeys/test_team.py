"""Journey: a team. The owner makes a workspace, adds a provider and two members, an editor and a
viewer, and shares a session with the workspace. The editor continues it; the viewer reads it,
is told why Run is not offered, and forks it to run in their own workspace."""

import re

import pytest
from playwright.sync_api import expect

from playground.conversations.models import Conversation
from playground.runs.models import Run
from playground.teams.access import personal_workspace
from playground.teams.models import Membership, Role, Workspace

from .conftest import add_fake_provider

pytestmark = pytest.mark.browser


def switch_to(person, name):
    page = person.page
    if person.is_phone:
        page.click("#menu-button")
    with page.expect_navigation():
        page.select_option("#workspace-switcher", label=name)
    expect(page.locator("#workspace-switcher option:checked")).to_have_text(name)


def test_each_role_sees_what_it_may_do(people, fake_provider, size):
    olivia = people("olivia", "team", size)
    theo = people("theo", "team", size)
    vera = people("vera", "team", size)
    add_fake_provider(personal_workspace(vera.user), fake_provider, name="Vera's fake")

    # The owner builds the team: workspace, provider, members.
    olivia.sign_in()
    olivia.goto(f"/teams/w/{personal_workspace(olivia.user).public_id}/")
    olivia.page.click("text=New team workspace")
    olivia.page.fill("#id_name", "Research")
    olivia.page.click("button:has-text('Create workspace')")
    expect(olivia.page.locator("h1")).to_have_text("Research")
    team = Workspace.objects.get(name="Research")
    for username, role in (("theo", "editor"), ("vera", "viewer")):
        olivia.page.fill("#id_username", username)
        olivia.page.select_option("#id_role", role)
        olivia.page.click("button:has-text('Add member')")
        expect(olivia.page.locator(".flash")).to_contain_text(f"Added {username} as {role}.")
    olivia.shot("members")
    assert {m.user.username: m.role for m in Membership.objects.filter(workspace=team)} == {
        "olivia": Role.OWNER, "theo": Role.EDITOR, "vera": Role.VIEWER}
    olivia.goto(f"/teams/w/{team.public_id}/providers/new/")
    olivia.page.fill("#id_name", "Team fake")
    olivia.page.fill("#id_base_url", fake_provider.base_url)
    olivia.page.fill("#id_api_key", "sk-team-fake")
    olivia.page.click("button:has-text('Add provider')")
    expect(olivia.page.locator(".provider h3").filter(has_text="Team fake")).to_have_count(1)

    # A session in the team, shared with everyone in it.
    olivia.goto("/")
    olivia.wait_connected()
    expect(olivia.page.locator(".centre-head .tag-shared")).to_have_text("Research")
    olivia.set_field("#f-model", "fake-gpt")
    olivia.close_panel()
    olivia.page.locator(".message[data-role=user] .message-content").fill("Plan the field trip")
    olivia.page.keyboard.press("Control+Enter")
    expect(olivia.page.locator(".run .run-status")).to_have_text("Done", timeout=15_000)
    session = Conversation.objects.get()
    assert session.workspace == team
    olivia.open_sessions()
    item = olivia.page.locator(f"#session-{session.public_id}")
    item.locator(".session-more > summary").click()
    item.locator("select[name=visibility]").select_option("workspace")
    expect(olivia.page.locator(f"#session-{session.public_id} .tag-shared")).to_have_text("workspace")
    olivia.shot("shared-with-team")

    # The editor: switches to the team, opens the session, continues it.
    theo.sign_in()
    switch_to(theo, "Research")
    theo.wait_connected()
    theo.open_sessions()
    theo.page.click(f"#session-{session.public_id} .session-link")
    theo.wait_connected()
    expect(theo.page.locator(".run .run-status")).to_have_text("Done")
    expect(theo.page.locator("#run-button")).to_be_visible()
    expect(theo.page.locator("#read-only-note")).to_have_count(0)
    theo.page.locator(".choice-continue").click()
    theo.page.locator(".message[data-role=user] .message-content").last.fill("Add a packing list")
    theo.shot("editor-continues")
    theo.page.keyboard.press("Control+Enter")
    expect(theo.page.locator(".run .run-status")).to_have_text(["Done", "Done"], timeout=15_000)
    assert Run.objects.filter(conversation=session, author=theo.user).count() == 1
    theo.goto(f"/teams/w/{team.public_id}/providers/")
    expect(theo.page.locator("a:has-text('Add provider')")).to_have_count(0)
    expect(theo.page.locator(".team-card").first).to_contain_text("only owners add, change or delete providers")
    theo.shot("editor-providers")

    # The viewer: reads, is told why there is no Run, and forks.
    vera.sign_in()
    switch_to(vera, "Research")
    vera.wait_connected()
    note = vera.page.locator("#read-only-note")
    expect(note).to_contain_text("You are a viewer in Research")
    expect(note).to_contain_text("Switch to a workspace where you can run")
    expect(vera.page.locator("#run-button")).to_be_hidden()
    vera.shot("viewer-new-session")
    vera.open_sessions()
    expect(vera.page.locator(f"#session-{session.public_id} .session-more")).to_have_count(0)
    vera.page.click(f"#session-{session.public_id} .session-link")
    vera.wait_connected()
    cards = vera.page.locator(".run")
    expect(cards.locator(".run-status")).to_have_text(["Done", "Done"])
    expect(note).to_contain_text("Fork it to run it in a workspace of yours")
    expect(vera.page.locator("#run-button")).to_be_hidden()
    expect(vera.page.locator(".run-rerun:visible, .run-edit:visible, .choice-continue:visible, .run-stop:visible")).to_have_count(0)
    composer = vera.page.locator(".message[data-role=user] .message-content").last
    expect(composer).to_have_value("Add a packing list")
    expect(composer).not_to_be_editable()
    expect(vera.page.locator("#system-message")).not_to_be_editable()
    expect(vera.page.locator("#add-message")).to_be_hidden()
    vera.page.keyboard.press("Control+Enter")  # nothing happens for a viewer
    vera.page.wait_for_timeout(300)
    assert Run.objects.filter(author=vera.user).count() == 0
    vera.shot("viewer-reads")
    vera.page.click("#fork-button")
    copy = Conversation.objects.get(author=vera.user)
    expect(vera.page).to_have_url(re.compile(rf"/s/{copy.public_id}/$"))
    assert copy.workspace == personal_workspace(vera.user) and copy.runs.count() == 2
    vera.wait_connected()
    expect(vera.page.locator(".flash-success")).to_contain_text("Forked into Personal")
    expect(vera.page.locator("#workspace-switcher option:checked")).to_have_text("Personal (just you)")
    expect(vera.page.locator("#run-button")).to_be_visible()
    expect(vera.page.locator(".message[data-role=user] .message-content").last).to_be_editable()
    vera.shot("viewer-forked")
    for person in (olivia, theo, vera):
        person.expect_no_errors()
