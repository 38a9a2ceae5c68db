"""What the run machinery tells the layers above it (sessions index their runs' text when one ends)."""

from django.dispatch import Signal

# Sent once per run, after its end is stored: `run` is the finished Run.
run_finished = Signal()
