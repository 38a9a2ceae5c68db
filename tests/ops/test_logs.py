"""LOG_FORMAT=json: one JSON object per line, with the run id when the record has one."""

import json
import logging
import sys

from playground.ops.logs import JsonFormatter


def record(message="run %s completed", args=("r1",), exc_info=None, **extra):
    made = logging.LogRecord("playground.runs.task", logging.INFO, __file__, 1, message, args, exc_info)
    made.__dict__.update(extra)
    return made


def test_it_writes_one_json_object_with_the_message():
    line = JsonFormatter().format(record())
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "run r1 completed"
    assert entry["level"] == "INFO" and entry["logger"] == "playground.runs.task"
    assert entry["time"].endswith("+00:00")


def test_it_keeps_the_run_id_and_other_extras_as_fields():
    entry = json.loads(JsonFormatter().format(record(run_id="r1", status="completed")))
    assert entry["run_id"] == "r1" and entry["status"] == "completed"
    assert "args" not in entry and "msg" not in entry


def test_it_leaves_out_run_id_when_the_record_has_none():
    assert "run_id" not in json.loads(JsonFormatter().format(record()))


def test_it_includes_the_traceback_of_an_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        entry = json.loads(JsonFormatter().format(record(exc_info=sys.exc_info())))
    assert "ValueError: boom" in entry["exception"]


def test_it_does_not_lose_a_line_to_an_extra_that_is_not_json():
    entry = json.loads(JsonFormatter().format(record(when=object)))
    assert entry["when"] == str(object)
