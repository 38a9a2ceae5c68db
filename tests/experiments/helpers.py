"""Experiments for tests: a dataset, an experiment with variants on the fake provider, and a socket
that runs it."""

from asgiref.sync import sync_to_async

from playground.experiments import building
from playground.experiments.models import Cell, Check, Dataset, DatasetRow, Experiment
from playground.teams.access import personal_workspace

QUESTIONS = ["What is 2+2?", "Name a colour", "Say hello", "Count to three", "Spell cat"]


def make_dataset(user, workspace=None, rows=3, name="Questions", expected=True) -> Dataset:
    workspace = workspace or personal_workspace(user)
    columns = ["question", "expected"] if expected else ["question"]
    dataset = Dataset.objects.create(workspace=workspace, author=user, name=name, columns=columns)
    DatasetRow.objects.bulk_create([DatasetRow(dataset=dataset, position=index,
                                               values={"question": QUESTIONS[index % len(QUESTIONS)] + f" #{index}",
                                                       **({"expected": "the answer"} if expected else {})})
                                    for index in range(rows)])
    return dataset


def make_experiment(user, provider, *, rows=3, models=("fake-gpt", "fake-gpt@tokens=8"), workspace=None, checks=(),
                    title="An experiment", template=None) -> Experiment:
    workspace = workspace or personal_workspace(user)
    dataset = make_dataset(user, workspace, rows=rows)
    variants = [{"provider_id": provider.public_id, "provider_name": provider.name,
                 "options": {"model": model, "stream": True}} for model in models]
    experiment = building.create_experiment(user, workspace, title=title, dataset=dataset,
                                            template=template or [{"role": "user", "content": "{{question}}"}], variants=variants)
    for position, (kind, config) in enumerate(checks):
        Check.objects.create(experiment=experiment, position=position, kind=kind, config=config)
    return experiment


async def collect_until_idle(socket, experiment_id, timeout=30):
    """Every frame until, after the reply to the last request (experiment.accepted), a progress frame
    says nothing is active any more."""
    frames, answered = [], False
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        frames.append(frame)
        answered = answered or frame.get("type") == "experiment.accepted"
        if answered and frame.get("type") == "experiment.progress" and frame.get("experiment") == experiment_id and not frame["active"]:
            return frames


@sync_to_async
def cells_of(experiment):
    return list(Cell.objects.filter(experiment=experiment).select_related("run", "row", "variant").order_by("row__position", "variant__position"))
