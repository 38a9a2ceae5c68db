"""Probing a provider from the app (the Probe button, `manage.py probeprovider`): one ProbeResult row
per probe, filled as findings come; run as a task of the process that started it, like a run, and
cancelled through its row, so a Cancel reaches it from any process.

A probe costs money on a priced model: `cost_estimate` is the most it can cost at the workspace's
prices, shown before it starts.
"""

import asyncio
import contextvars
import logging
from decimal import Decimal

from channels.db import database_sync_to_async
from django.utils import timezone

from playground.providers.config import ProviderConfig
from playground.providers.models import SHARED_PROVIDER_IDS, ProbeResult, ProbeStatus
from playground.providers.probe import ProbeReport, estimate_usage, probe

from .pricing import MILLION, price_for, prices_of

log = logging.getLogger(__name__)

# Probes of this process by result id, so a test (and shutdown) can wait for them.
ACTIVE: dict[str, asyncio.Task] = {}


def cost_estimate(workspace, model: str) -> Decimal | None:
    """The most a probe of `model` can cost at the workspace's prices; None when it has no price."""
    price = price_for(model, prices_of(workspace))
    if price is None:
        return None
    usage = estimate_usage()
    return (usage["prompt_tokens"] * price.input_per_million
            + usage["completion_tokens"] * price.output_per_million) / MILLION


def begin(workspace, user, choice, model: str) -> ProbeResult:
    """The row of a new probe of a provider choice (resolve.ProviderChoice)."""
    owner = None if choice.public_id in SHARED_PROVIDER_IDS else workspace
    return ProbeResult.objects.create(workspace=owner, provider_id=choice.public_id, provider_name=choice.name,
                                      model=model, author=user)


def start(result: ProbeResult, config: ProviderConfig) -> asyncio.Task:
    """Run the probe as a task of the running loop; it outlives the request that started it."""
    # A context of its own: the request's (Django's per-request thread for database calls among
    # it) ends with the response, and the probe goes on after that.
    task = asyncio.get_running_loop().create_task(run(result.public_id, config, result.model),
                                                  name=f"probe {result.public_id}", context=contextvars.Context())
    ACTIVE[result.public_id] = task
    task.add_done_callback(lambda _: ACTIVE.pop(result.public_id, None))
    return task


async def run(result_id: str, config: ProviderConfig, model: str) -> ProbeReport | None:
    """The whole probe, its progress and its end written to the row `result_id`."""

    async def should_stop() -> bool:
        return await database_sync_to_async(_cancel_requested)(result_id)

    async def on_finding(_finding, report: ProbeReport) -> None:
        await database_sync_to_async(_save)(result_id, report, ProbeStatus.RUNNING)

    try:
        report = await probe(config, model, should_stop=should_stop, on_finding=on_finding)
    except Exception as error:  # a bug must not leave the probe "running" forever
        log.exception("probe %s crashed", result_id)
        await database_sync_to_async(_fail)(result_id, str(error) or type(error).__name__)
        return None
    status = ProbeStatus.CANCELLED if report.cancelled else ProbeStatus.FINISHED
    await database_sync_to_async(_save)(result_id, report, status)
    return report


def request_cancel(result: ProbeResult) -> None:
    ProbeResult.objects.filter(pk=result.pk, status=ProbeStatus.RUNNING).update(cancel_requested=True)


def _cancel_requested(result_id: str) -> bool:
    return ProbeResult.objects.filter(public_id=result_id, cancel_requested=True).exists()


def _save(result_id: str, report: ProbeReport, status: str) -> None:
    done = status != ProbeStatus.RUNNING
    ProbeResult.objects.filter(public_id=result_id).update(
        status=status, findings=[finding.as_dict() for finding in report.findings], requests=report.requests,
        server_model=report.server_model or "", finished_at=timezone.now() if done else None)


def _fail(result_id: str, message: str) -> None:
    ProbeResult.objects.filter(public_id=result_id).update(
        status=ProbeStatus.FAILED, error={"message": message}, finished_at=timezone.now())
