"""Human review: ratings of cells, and blind comparisons with each variant's win rate.

Blind mode shows a row's answers from two or more variants in a shuffled order without labels. The
order travels in a signed ticket (the page holds it; the server checks it), so a pick is recorded
against the variants really shown and nothing is stored before the judge decides. The answer
counts once per judge, row and set of variants compared.

Win rate: in a judgement of k answers, the picked variant scores 1, the others 0; a tie gives each
1/k. A variant's win rate is its mean score over the judgements it appeared in, with a 95% Wilson
score interval (n = those judgements).
"""

import math
import random

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q

from playground.runs.branches import answer_text
from playground.runs.render import render_markdown

from .models import Cell, CellState, Judgement, Rating

SALT = "experiments.blind"
TICKET_MAX_AGE = 24 * 3600
Z = 1.959964  # 95%


class TicketProblem(ValueError):
    pass


def rate(cell: Cell, user, value: int, comment: str) -> Rating | None:
    """Set (or, with 0, clear) this person's rating of the cell."""
    if value == 0:
        Rating.objects.filter(cell=cell, rater=user).delete()
        return None
    rating, _created = Rating.objects.update_or_create(cell=cell, rater=user, defaults={"value": value, "comment": comment})
    return rating


def chosen_variants(variants: list, wanted: list[str]) -> list:
    chosen = [variant for variant in variants if variant.public_id in wanted]
    return chosen if len(chosen) >= 2 else variants


def _compared(variants: list) -> str:
    return ",".join(sorted(variant.public_id for variant in variants))


def next_comparison(experiment, user, variants: list) -> dict:
    """The next row this person has not judged for these variants where each has a finished answer:
    its answers shuffled, and a signed ticket of the order shown."""
    if len(variants) < 2:
        return {"comparison": None, "reason": "Blind review compares two or more variants: add another variant first."}
    compared = _compared(variants)
    judged = Judgement.objects.filter(experiment=experiment, judge=user, compared=compared).values("row_id")
    done = Cell.objects.filter(experiment=experiment, state=CellState.DONE, variant__in=variants, run__isnull=False)
    ready_rows = (done.exclude(row_id__in=judged).values("row_id").order_by().annotate()
                  .values_list("row_id", flat=True).distinct())
    for row_id in ready_rows.order_by("row_id")[:200]:
        cells = list(done.filter(row_id=row_id).select_related("run", "variant", "row"))
        if len(cells) < len(variants):
            continue
        random.shuffle(cells)
        ticket = signing.dumps({"e": experiment.public_id, "r": cells[0].row.public_id, "s": [c.variant.public_id for c in cells]}, salt=SALT)
        remaining = max(0, len(set(ready_rows)) - 1)
        return {"comparison": {
            "row": cells[0].row, "ticket": ticket, "remaining": remaining,
            "answers": [{"number": index + 1, "html": render_markdown(answer_text(cell.run))} for index, cell in enumerate(cells)],
        }}
    return {"comparison": None, "reason": "Nothing left to judge: every row with an answer from each of these variants has your verdict."}


def read_ticket(experiment, ticket: str) -> dict:
    try:
        data = signing.loads(ticket, salt=SALT, max_age=TICKET_MAX_AGE)
    except signing.BadSignature:
        raise TicketProblem("This comparison has expired; here is a fresh one.") from None
    if data.get("e") != experiment.public_id:
        raise TicketProblem("This comparison belongs to another experiment.")
    return data


def judge(experiment, user, ticket: str, pick: str) -> tuple[Judgement, list]:
    """Record a pick ("1", "2", … in the order shown, or "tie"); returns the judgement and the
    variants in the order they were shown (the reveal)."""
    data = read_ticket(experiment, ticket)
    variants = {variant.public_id: variant for variant in experiment.variants.filter(public_id__in=data["s"])}
    shown = [variants[vid] for vid in data["s"] if vid in variants]
    row = experiment.rows.filter(public_id=data["r"]).first()
    if row is None or len(shown) < 2:
        raise TicketProblem("The row or variants of this comparison are gone.")
    if pick == "tie":
        winner = None
    elif pick.isdigit() and 1 <= int(pick) <= len(shown):
        winner = shown[int(pick) - 1]
    else:
        raise TicketProblem("Pick one of the answers, or a tie.")
    try:
        with transaction.atomic():
            judgement = Judgement.objects.create(experiment=experiment, row=row, judge=user, compared=_compared(shown),
                                                 shown=[variant.public_id for variant in shown], winner=winner)
    except IntegrityError:
        raise TicketProblem("You already judged this row for these variants.") from None
    return judgement, shown


def wilson(score: float, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion `score` / n."""
    if n == 0:
        return 0.0, 1.0
    p = score / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def standings(experiment, variants: list) -> list[dict]:
    """Per variant: judgements it appeared in, wins, ties, win rate and its interval; best first."""
    scores = {variant.public_id: [0.0, 0, 0, 0] for variant in variants}  # score, n, wins, ties
    for shown, winner in Judgement.objects.filter(experiment=experiment).values_list("shown", "winner__public_id"):
        for vid in shown:
            if vid not in scores:
                continue
            entry = scores[vid]
            entry[1] += 1
            if winner is None:
                entry[0] += 1 / len(shown)
                entry[3] += 1
            elif winner == vid:
                entry[0] += 1
                entry[2] += 1
    table = []
    for variant in variants:
        score, n, wins, ties = scores[variant.public_id]
        low, high = wilson(score, n)
        table.append({"variant": variant, "judgements": n, "wins": wins, "ties": ties,
                      "rate": round(100 * score / n) if n else None, "low": round(100 * low), "high": round(100 * high)})
    return sorted(table, key=lambda entry: (entry["rate"] is None, -(entry["rate"] or 0)))


def judgement_count(experiment) -> int:
    return Judgement.objects.filter(experiment=experiment).count()


def my_judgements(experiment, user) -> int:
    return Judgement.objects.filter(Q(experiment=experiment) & Q(judge=user)).count()
