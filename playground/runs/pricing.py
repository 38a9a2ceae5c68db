"""What a run cost: its usage times the workspace's price for its model (ModelPrice, per 1M tokens)."""

from decimal import Decimal

from .models import ModelPrice, Run

MILLION = Decimal(1_000_000)


def prices_of(workspace) -> list[ModelPrice]:
    return list(ModelPrice.objects.filter(workspace=workspace))


def price_for(model: str, prices: list[ModelPrice]) -> ModelPrice | None:
    """The most specific price whose pattern matches the model: an exact name, else the longest glob."""
    matching = [price for price in prices if price.matches(model)]
    return max(matching, key=lambda price: price.specificity, default=None)


def cost_for(run: Run, prices: list[ModelPrice] | None = None) -> Decimal | None:
    """The run's cost in the prices' currency, or None without usage or without a price for its model.

    Pass `prices` (from prices_of) when costing many runs of one workspace, to read them once."""
    usage = run.usage or {}
    if not isinstance(usage.get("prompt_tokens"), int) and not isinstance(usage.get("completion_tokens"), int):
        return None
    if prices is None:
        prices = prices_of(run.conversation.workspace_id)
    price = price_for(run.model, prices)
    if price is None:
        return None
    prompt = Decimal(usage.get("prompt_tokens") or 0)
    completion = Decimal(usage.get("completion_tokens") or 0)
    return (prompt * price.input_per_million + completion * price.output_per_million) / MILLION
