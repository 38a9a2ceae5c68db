"""The access helpers added for teams: the run-time URL check and the switcher's workspace list."""

import pytest
from django.core.exceptions import ValidationError

from playground.providers.resolve import get_provider_for, providers_for
from playground.teams.access import personal_workspace, workspaces_for

from tests.factories import SECRET_KEY, make_credential


def test_it_checks_a_stored_url_again_when_a_run_asks_for_its_config(team, settings):
    local = make_credential(team.workspace, name="Local", base_url="http://localhost:8080/v1")
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    with pytest.raises(ValidationError, match="loopback"):
        get_provider_for(team.workspace, local.public_id).checked_config()
    config = get_provider_for(team.workspace, team.credential.public_id).checked_config()
    assert config.api_key == SECRET_KEY


def test_it_leaves_the_operators_default_provider_unchecked(team, settings):
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-env", "http://127.0.0.1:4000/v1"
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    default = providers_for(team.workspace)[0]
    assert default.checked_config().base_url == "http://127.0.0.1:4000/v1"


def test_it_lists_the_personal_workspace_first_then_teams_by_name(team):
    names = [workspace.name for workspace, _membership in workspaces_for(team.editor)]
    assert names == [personal_workspace(team.editor).name, "Research"]
