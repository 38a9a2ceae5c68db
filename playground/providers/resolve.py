"""Which providers a workspace can run against, and how to call each: the one place a provider is
resolved into a ProviderConfig.

A workspace sees "Default" when OPENAI_API_KEY is set (OPENAI_BASE_URL as the official SDK reads
it), "Local" while the local model server answers, and its own stored credentials.
"""

from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404

from playground.teams.access import get_workspace_for
from playground.teams.models import Workspace
from playground.teams.urlcheck import check_provider_url

from .config import ProviderConfig
from .local import LOCAL_PROVIDER_ID, local_config, local_provider
from .models import ProviderCredential

DEFAULT_PROVIDER_ID = "default"
DEFAULT_PROVIDER_NAME = "Default"


@dataclass(frozen=True)
class ProviderChoice:
    """A provider a workspace can run against: a stored credential, or "Default" from the environment."""

    public_id: str
    name: str
    kind: str
    base_url: str
    credential: ProviderCredential | None = None

    def config(self) -> ProviderConfig:
        if self.public_id == LOCAL_PROVIDER_ID:
            return local_config()
        if self.credential is None:
            return ProviderConfig(name=self.name, kind="openai", base_url=settings.OPENAI_BASE_URL, api_key=settings.OPENAI_API_KEY)
        c = self.credential
        return ProviderConfig(
            name=c.name,
            kind=c.kind,
            base_url=c.base_url,
            api_key=c.api_key(),
            api_version=c.api_version or None,
            extra_headers=c.extra_headers(),
        )

    def checked_config(self) -> ProviderConfig:
        """config(), after checking again that a stored credential's URL reaches only public
        addresses (DNS may have changed since it was saved) and that its key and headers can be
        sent. Raises ValidationError.

        "Default" and "Local" are not checked: the operator chose those URLs, not a workspace member."""
        if self.credential is not None:
            check_provider_url(self.base_url)
        config = self.config()
        # Saved before the form refused such values: say so instead of failing inside the HTTP client.
        problem = config.unsendable()
        if problem:
            raise ValidationError(f"{problem}: edit the provider {config.name} and enter it again.")
        return config


def providers_for(workspace: Workspace) -> list[ProviderChoice]:
    choices = []
    if settings.OPENAI_API_KEY:
        choices.append(ProviderChoice(DEFAULT_PROVIDER_ID, DEFAULT_PROVIDER_NAME, "openai", settings.OPENAI_BASE_URL))
    local = local_provider()
    if local is not None:
        choices.append(ProviderChoice(**local))
    for credential in workspace.providers.all():
        choices.append(ProviderChoice(credential.public_id, credential.name, credential.kind, credential.base_url, credential))
    return choices


def get_provider_for(workspace: Workspace, public_id: str) -> ProviderChoice:
    for choice in providers_for(workspace):
        if choice.public_id == public_id:
            return choice
    raise Http404("No such provider in this workspace.")


def code_config(workspace, provider_id: str) -> ProviderConfig:
    """Where "View code" sends the request, without any secret: the key and extra headers are dropped.

    With no provider at all, the official API (or OPENAI_BASE_URL)."""
    choices = providers_for(workspace)
    if not choices:
        return ProviderConfig(name="OpenAI", kind="openai", base_url=settings.OPENAI_BASE_URL)
    choice = next((choice for choice in choices if choice.public_id == provider_id), choices[0])
    return replace(choice.config(), api_key="", extra_headers={})


def get_credential_for(user, workspace_id: str, credential_id: str, *, manage: bool = True) -> tuple[Workspace, ProviderCredential]:
    """A stored credential of a workspace; managing it (the default) is for owners only."""
    workspace, _membership = get_workspace_for(user, workspace_id, manage=manage)
    credential = ProviderCredential.objects.filter(workspace=workspace, public_id=credential_id).first()
    if credential is None:
        raise Http404("No such provider in this workspace.")
    return workspace, credential
