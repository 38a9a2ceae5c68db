"""The playground's variable boxes (/params/variables), View code with the values filled in, and
"add to dataset" from the boxes."""

import json

import pytest
from django.urls import reverse

from playground.experiments.models import Dataset
from tests.factories import client_for, make_team_of_four

pytestmark = pytest.mark.django_db

MESSAGES = json.dumps([{"role": "system", "content": "You are {{persona}}."}, {"role": "user", "content": "{{question}} \\{{not}}"}])


def test_the_boxes_list_the_variables_in_order_and_keep_what_was_typed(alice):
    response = client_for(alice).post(reverse("params:variables"), {"messages": MESSAGES, "variables.question": "Why?"})
    html = response.content.decode()
    assert html.index("persona") < html.index("question")
    assert 'name="variables.question"' in html and ">Why?</textarea>" in html
    assert "not" not in html.split("Variables", 1)[1].split("textarea")[0] or 'name="variables.not"' not in html
    empty = client_for(alice).post(reverse("params:variables"), {"messages": "[]"})
    assert "textarea" not in empty.content.decode()


def test_view_code_shows_the_filled_in_body(alice):
    fields = {"model": "gpt-4o", "messages": MESSAGES, "variables.persona": "a pirate", "variables.question": "Why?"}
    html = client_for(alice).post(reverse("params:code"), fields).content.decode()
    assert "You are a pirate." in html and "Why? {{not}}" in html and "{{persona}}" not in html


def test_add_to_dataset_from_the_boxes(alice):
    client = client_for(alice)
    opened = client.post(reverse("experiments:add_values_to_dataset"), {"variables.question": "Why?", "messages": MESSAGES})
    assert opened.status_code == 200 and "Why?" in opened.content.decode()
    done = client.post(reverse("experiments:add_values_to_dataset"),
                       {"confirm": "1", "variables.question": "Why?", "new_name": "Found cases", "expected": "Because."})
    assert done.status_code == 302
    dataset = Dataset.objects.get(name="Found cases")
    assert dataset.columns == ["question", "expected"]
    assert dataset.rows.get().values == {"question": "Why?", "expected": "Because."}


def test_a_viewer_is_not_offered_add_to_dataset(db):
    team = make_team_of_four()
    for who, offered in (("owner", True), ("editor", True), ("viewer", False)):
        client = client_for(getattr(team, who), team.workspace)
        html = client.post(reverse("params:variables"), {"messages": MESSAGES}).content.decode()
        assert 'name="variables.question"' in html
        assert ("Add these values to a dataset" in html) is offered, who
