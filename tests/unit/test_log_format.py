"""The two log formats: JSON lines that parse and carry the ids bound where the work is, and
text lines a person reads; both keep tracebacks without exception messages."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import pytest

from sendout.config import Settings, SettingsError
from sendout.log_context import bind_log_fields, current_log_fields, log_fields
from tests.factories.logs import SECRET, store
from tests.log_lines import captured_log

log = logging.getLogger("sendout.tests")


def test_a_json_line_carries_time_level_logger_message_and_the_bound_ids() -> None:
    with captured_log() as captured, log_fields(request_id="v-1", project_id="proj_1"):
        log.info("hello %s", "there")
    (line,) = captured.lines()
    assert set(line) == {"timestamp", "level", "logger", "message", "request_id", "project_id"}
    assert line["timestamp"].endswith("+00:00")
    assert (line["level"], line["logger"], line["message"]) == (
        "INFO",
        "sendout.tests",
        "hello there",
    )
    assert (line["request_id"], line["project_id"]) == ("v-1", "proj_1")


def test_ids_given_with_extra_win_and_unlisted_extras_stay_out() -> None:
    with captured_log() as captured, log_fields(sendout_id="sout_bound"):
        log.warning("paused", extra={"sendout_id": "sout_given", "color_message": "\x1b[31mpaused"})
    (line,) = captured.lines()
    assert line["sendout_id"] == "sout_given"
    assert "color_message" not in line


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_logged_exception_keeps_its_class_and_frames_but_not_its_message(
    log_format: str,
) -> None:
    with captured_log(log_format) as captured, log_fields(request_id="v-2"):
        try:
            store(SECRET)
        except RuntimeError:
            log.exception("job failed")
    assert SECRET not in captured.text
    if log_format == "json":
        (line,) = captured.lines()
        assert line["message"] == "job failed"
        assert line["exception"].startswith("Traceback (most recent call last)")
        assert line["exception"].endswith("\nRuntimeError")
    else:
        first, rest = captured.text.split("\n", 1)
        assert first.endswith(" ERROR sendout.tests job failed [request_id=v-2]")
        assert rest.startswith("Traceback (most recent call last)")
        assert rest.rstrip().endswith("RuntimeError")


def test_a_text_line_reads_as_before_with_its_ids_at_the_end() -> None:
    with captured_log("text") as captured:
        log.info("no ids here")
        with log_fields(sendout_id="sout_1", distribution_id="distr_1"):
            log.info("attempt")
    plain, with_ids = captured.text.splitlines()
    assert plain.endswith(" INFO sendout.tests no ids here")
    assert with_ids.endswith(
        " INFO sendout.tests attempt [sendout_id=sout_1 distribution_id=distr_1]"
    )


def test_the_handler_gives_library_records_the_same_format() -> None:
    # uvicorn's and asyncio's loggers propagate to the root logger's handler.
    with captured_log(logger="") as captured:
        logging.getLogger("uvicorn.error").info("Started server process [1]")
        logging.getLogger("asyncio").warning("slow callback")
    assert [line["logger"] for line in captured.lines()] == ["uvicorn.error", "asyncio"]


def test_a_block_restores_what_was_bound_before_it_and_what_was_bound_inside() -> None:
    with log_fields(request_id="v-outer"):
        with log_fields(request_id="v-inner", sendout_id="sout_1"):
            bind_log_fields(project_id="proj_1")
            assert current_log_fields() == {
                "request_id": "v-inner",
                "sendout_id": "sout_1",
                "project_id": "proj_1",
            }
        assert current_log_fields() == {"request_id": "v-outer"}
    assert current_log_fields() == {}


async def test_concurrent_tasks_never_see_each_others_ids() -> None:
    both_bound = asyncio.Barrier(2)

    async def handle(project_id: str) -> str:
        with log_fields(request_id=f"v-{project_id}"):
            bind_log_fields(project_id=project_id)
            await both_bound.wait()
            return current_log_fields()["project_id"]

    assert await asyncio.gather(handle("proj_a"), handle("proj_b")) == ["proj_a", "proj_b"]


def test_log_format_is_json_or_text_and_anything_else_is_refused() -> None:
    assert Settings.from_env({"SENDOUT_LOG_FORMAT": "JSON"}).log_format == "json"
    assert Settings.from_env({"SENDOUT_LOG_FORMAT": "text"}).log_format == "text"
    with pytest.raises(SettingsError, match="SENDOUT_LOG_FORMAT must be one of text, json"):
        Settings.from_env({"SENDOUT_LOG_FORMAT": "logfmt"})


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("tty", "expected"), [(True, "text"), (False, "json")])
def test_unset_it_is_text_at_a_terminal_and_json_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tty: bool, expected: str
) -> None:
    monkeypatch.setattr("sys.stderr", Stream(tty))
    assert Settings.from_env({}).log_format == expected


def test_json_lines_are_one_object_per_line_even_for_multi_line_messages() -> None:
    with captured_log() as captured:
        log.info("first\nsecond")
    (raw,) = captured.text.splitlines()
    assert json.loads(raw)["message"] == "first\nsecond"
