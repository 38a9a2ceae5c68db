"""`manage.py probeprovider PROVIDER --model M`: the capability probe from the command line.

Prints the findings and stores them like the Probe button does (the provider page and the panel
show them). For a priced model it says what the probe may cost and asks first (--yes skips that).
Ctrl+C stops it between two requests, keeping what it found.
"""

import asyncio
import json

from django.core.management.base import BaseCommand, CommandError

from playground.providers.models import ProbeResult, ProbeStatus, ProviderCredential
from playground.providers.probe import BY_KEY, estimate_usage
from playground.providers.resolve import ProviderChoice, shared_providers
from playground.runs import probing
from playground.teams.models import Workspace


class Command(BaseCommand):
    help = "Probe what a provider does with each request option (honoured / ignored / rejected / unknown)."

    def add_arguments(self, parser):
        parser.add_argument("provider", help="'default', 'local', or a stored provider's public id or name")
        parser.add_argument("--model", required=True, help="the model to ask")
        parser.add_argument("--workspace", help="the workspace (public id) of a provider given by name")
        parser.add_argument("--yes", action="store_true", help="start without asking, even for a priced model")
        parser.add_argument("--json", dest="json_path", help="also write the findings to this file")

    def handle(self, provider, model, workspace, yes, json_path, **options):
        choice, owner = self._resolve(provider, workspace)
        cost = probing.cost_estimate(owner, model) if owner is not None else None
        requests = estimate_usage()["requests"]
        self.stdout.write(f"Probing {choice.name} ({choice.base_url}) with model {model}: up to {requests} short "
                          "requests, one at a time.")
        if cost is not None:
            self.stdout.write(f"At most about {cost:.6f} at the workspace's prices.")
            if not yes and input("Start? [y/N] ").strip().lower() not in ("y", "yes"):
                raise CommandError("Not started.")
        result = probing.begin(owner, None, choice, model)
        try:
            asyncio.run(probing.run(result.public_id, choice.checked_config(), model))
        except KeyboardInterrupt:
            ProbeResult.objects.filter(pk=result.pk, status=ProbeStatus.RUNNING).update(status=ProbeStatus.CANCELLED)
            self.stderr.write("Stopped; the findings so far are kept.")
        result.refresh_from_db()
        for finding in result.findings:
            message = f" — {finding['status']}: {finding['message'][:160]}" if finding.get("message") else ""
            self.stdout.write(f"{finding['verdict']:>9}  {BY_KEY[finding['key']].label}: {finding['evidence']}{message}")
        self.stdout.write(f"{result.get_status_display()}: {result.requests} requests; the server's model: "
                          f"{result.server_model or 'not said'}.")
        if json_path:
            with open(json_path, "w") as out:
                json.dump({"provider": choice.name, "model": model, "server_model": result.server_model,
                           "status": result.status, "findings": result.findings}, out, indent=2)

    def _resolve(self, provider: str, workspace_id: str | None) -> tuple[ProviderChoice, Workspace | None]:
        """The provider choice, and the workspace whose prices apply (none for Default and Local
        without --workspace: their results belong to every workspace)."""
        owner = None
        if workspace_id:
            owner = Workspace.objects.filter(public_id=workspace_id).first()
            if owner is None:
                raise CommandError(f"No workspace {workspace_id!r}.")
        shared = {choice.public_id: choice for choice in shared_providers()}
        if provider in shared:
            return shared[provider], owner
        credentials = ProviderCredential.objects.select_related("workspace")
        credential = credentials.filter(public_id=provider).first()
        if credential is None and owner is not None:
            credential = credentials.filter(workspace=owner, name=provider).first()
        if credential is None:
            known = ", ".join(shared) or "none answering"
            raise CommandError(f"No provider {provider!r} (shared providers: {known}; give a stored provider's "
                               "public id, or its name with --workspace).")
        choice = ProviderChoice(credential.public_id, credential.name, credential.kind, credential.base_url, credential)
        return choice, credential.workspace
