"""Journey: a demanding user opens every page of a team's day, on a desktop and on a phone. Each page
fits the screen (nothing scrolls sideways but the tables made to, nothing sticks out of its card),
the nav is reachable (folded into Menu on a phone), and no console error or CSP violation is logged."""

import pytest
from playwright.sync_api import expect

from playground.experiments.models import Cell, CellState
from playground.runs.models import Run
from playground.teams.access import personal_workspace
from playground.teams.models import Invitation, Role
from tests.experiments.helpers import make_experiment
from tests.factories import make_run, make_session, make_team

from .conftest import add_fake_provider

pytestmark = pytest.mark.browser

# Every visible element lies inside the viewport, and inside its card, unless a scroller made for
# it (a table's own horizontal scroll) holds it; the page and its main region never scroll sideways.
MISFITS = """() => {
  const misfits = [];
  const pageScrollers = new Set([document.scrollingElement, document.querySelector("main"), ...document.querySelectorAll(".region, .centre-scroll")]);
  for (const scroller of pageScrollers) {
    if (scroller && scroller.scrollWidth > scroller.clientWidth + 1) misfits.push(`${scroller.tagName.toLowerCase()}.${scroller.className} scrolls sideways: ${scroller.scrollWidth} > ${scroller.clientWidth}`);
  }
  const describe = (el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")} "${(el.textContent || "").trim().slice(0, 30)}"`;
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || getComputedStyle(el).visibility === "hidden") continue;
    let holder = el.parentElement, card = null, scrolled = false;
    for (; holder && holder !== document.body; holder = holder.parentElement) {
      if (pageScrollers.has(holder)) break;
      const overflow = getComputedStyle(holder).overflowX;
      if (overflow === "auto" || overflow === "scroll") { scrolled = true; break; }
      if (!card && holder.classList.contains("card")) card = holder;
    }
    if (scrolled || getComputedStyle(el).position === "fixed") continue;
    if (box.left < -1 || box.right > innerWidth + 1) misfits.push(`${describe(el)} spans ${Math.round(box.left)}..${Math.round(box.right)} of ${innerWidth}`);
    else if (card) {
      const edge = card.getBoundingClientRect();
      if (box.left < edge.left - 1 || box.right > edge.right + 1) misfits.push(`${describe(el)} sticks out of its card: ${Math.round(box.right)} > ${Math.round(edge.right)}`);
    }
  }
  return misfits.slice(0, 12);
}"""


def check_page(person, path, name):
    page = person.page
    person.goto(path)
    page.wait_for_load_state("networkidle")
    person.shot(name)
    assert page.evaluate(MISFITS) == [], f"{path} does not fit {page.viewport_size['width']} px"
    # Fields side by side line up, whatever their labels' lengths.
    tops = page.locator(".price-field input").evaluate_all("els => els.map(el => el.getBoundingClientRect()).map(b => [b.top, b.bottom])")
    for top, bottom in tops:
        assert all(abs(top - other) <= 1 for other, other_bottom in tops if other < bottom and top < other_bottom), f"{path}: fields side by side at {tops}"
    # A closed disclosure card is as high above its summary as below it.
    for card in page.locator("details.card:not([open])").all():
        above, below = card.evaluate("el => { const box = el.getBoundingClientRect(), summary = el.querySelector('summary').getBoundingClientRect(); return [summary.top - box.top, box.bottom - summary.bottom]; }")
        assert abs(above - below) <= 2, f"{path}: a closed card is {above} px above its summary, {below} px below"
    # The nav: in the top bar on a desktop, folded into Menu below 1280 px; each link within reach
    # and clear of the others.
    links = page.locator(".mainnav a")
    folded = page.viewport_size["width"] < 1280
    if folded:
        expect(links.first).to_be_hidden()
        page.click("#menu-button")
    for index in range(links.count()):
        expect(links.nth(index)).to_be_in_viewport(ratio=1)
    parts = [links.nth(index) for index in range(links.count())]
    if not folded:
        parts += [page.locator(selector) for selector in (".brand", "#workspace-switcher", ".usermenu")]
    boxes = [part.bounding_box() for part in parts]
    for one, box in enumerate(boxes):
        for other in boxes[one + 1:]:
            apart = (box["x"] + box["width"] <= other["x"] + 1 or other["x"] + other["width"] <= box["x"] + 1
                     or box["y"] + box["height"] <= other["y"] + 1 or other["y"] + other["height"] <= box["y"] + 1)
            assert apart, f"{path}: the top bar's items overlap: {box}, {other}"
    if folded:
        person.shot(f"{name}-menu")
        page.keyboard.press("Escape")
        expect(links.first).to_be_hidden()


@pytest.mark.parametrize("size", ["desktop", "tablet", "phone"])
def test_every_page_fits_the_screen(people, fake_provider, size):
    olga = people("olga", "every-page", size)
    olga.user.is_staff = True  # as the first user of every install: the nav has its Admin link too
    olga.user.save()
    personal = personal_workspace(olga.user)
    provider = add_fake_provider(personal, fake_provider)
    team = make_team(olga.user, name="Research and Evaluation Europe")
    for username, role in (("an-editor-with-a-long-name", Role.EDITOR), ("viewer", Role.VIEWER)):
        team.memberships.create(user=people(username, "every-page", size).user, role=role)
    Invitation.create(team, Role.EDITOR, olga.user)
    add_fake_provider(team, fake_provider, name="Team gateway")
    session = make_session(olga.user, title="Packing for Lisbon")
    make_run(session, "What should I pack?", "Light layers and a rain jacket.")
    experiment = make_experiment(olga.user, provider, rows=3, title="Capitals, three ways")
    run = Run.objects.filter(conversation=session).first()
    for cell in Cell.objects.filter(experiment=experiment):
        cell.run, cell.state = run, CellState.DONE
        cell.save()

    olga.sign_in()
    pages = {
        "playground": "/",
        "workspace": f"/teams/w/{personal.public_id}/",
        "team": f"/teams/w/{team.public_id}/",
        "providers": f"/teams/w/{team.public_id}/providers/",
        "provider-new": f"/teams/w/{team.public_id}/providers/new/",
        "workspace-new": "/teams/new/",
        "experiments": "/experiments/",
        "dataset": f"/experiments/datasets/{experiment.dataset.public_id}/",
        "setup": f"/experiments/{experiment.public_id}/setup",
        "grid": f"/experiments/{experiment.public_id}/",
        "blind": f"/experiments/{experiment.public_id}/blind",
        "share": f"/experiments/{experiment.public_id}/share",
        "prices": "/sessions/prices",
    }
    for name, path in pages.items():
        check_page(olga, path, name)
        if name == "playground" and size == "desktop":
            # The narrowest centre that still shows the keys (901 px wide, the panel beside it):
            # with nothing to say, the keys and Run share the run bar's one line.
            olga.page.set_viewport_size({"width": 901, "height": 800})
            keys, run = (olga.page.locator(selector).bounding_box() for selector in (".runbar-keys", "#run-button"))
            assert run["y"] < keys["y"] + keys["height"] and keys["y"] < run["y"] + run["height"], \
                f"with nothing to say, Run sits on a line of its own: {keys}, {run}"
            olga.page.set_viewport_size({"width": 1440, "height": 900})

    olga.expect_no_errors()

    # A link to nothing: this server runs with DEBUG=1, so it is Django's debug page, whose inline
    # styles the policy allows by their hashes; the console has only the browser's note of the 404.
    response = olga.page.goto(f"{olga.base_url}/experiments/no-such-experiment/")
    assert response.status == 404
    olga.page.wait_for_timeout(300)  # its console messages come after the load
    olga.shot("not-found")
    olga.expect_no_errors(allowed=("status of 404",))
