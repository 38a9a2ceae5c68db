"""Access helpers for datasets, experiments and cells: Http404 for "missing" and "not yours" alike,
PermissionDenied for a viewer asked to change something.

A dataset belongs to its workspace (every member sees it, editors change it). An experiment is as
reachable as its conversation (teams.access.check_conversation: membership, visibility, deleted).
"""

from django.http import Http404

from playground.teams.access import check_conversation, check_role, membership_for

from .models import Cell, Dataset, Experiment


def get_dataset_for(user, public_id: str, *, write: bool = False) -> Dataset:
    dataset = Dataset.objects.select_related("workspace").filter(public_id=str(public_id)).first()
    if dataset is None:
        raise Http404("No such dataset.")
    check_role(membership_for(user, dataset.workspace), write=write)
    return dataset


def get_experiment_for(user, public_id: str, *, write: bool = False) -> Experiment:
    experiment = (Experiment.objects.select_related("conversation__workspace", "dataset")
                  .filter(public_id=str(public_id)).first())
    if experiment is None:
        raise Http404("No such experiment.")
    try:
        check_conversation(user, experiment.conversation, write=write)
    except Http404:
        raise Http404("No such experiment.") from None
    return experiment


def get_cell_for(user, experiment_id: str, cell_id: str, *, write: bool = False) -> Cell:
    experiment = get_experiment_for(user, experiment_id, write=write)
    cell = (Cell.objects.select_related("row", "variant", "run").filter(experiment=experiment, public_id=str(cell_id))
            .first())
    if cell is None:
        raise Http404("No such cell.")
    cell.experiment = experiment
    return cell
