"""A log record is one line whatever typed text it carries; a traceback's lines cannot pass for records."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

from domain.printable import printable
from orderflow.logs import FORMAT, OneLineFormatter
from tests.hostile import HOSTILE

FORGED = "\n2026-11-30 12:00:00,000 INFO orderflow.api.access: GET /admin 200"
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
ROOT = Path(__file__).resolve().parents[2]


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("orderflow.test", logging.INFO, __file__, 1, msg, args, info)


def test_typed_text_in_the_message_or_its_arguments_cannot_start_a_line():
    line = OneLineFormatter(FORMAT).format(_record("note from %s: %s" + FORGED, "amy" + FORGED, "\r" + FORGED))
    assert len(line.splitlines()) == 1 and "\r" not in line
    assert line.count("\\n2026-11-30 12:00:00,000 INFO orderflow.api.access: GET /admin 200") == 3


def test_every_hostile_string_stays_on_its_line_with_no_escape_character():
    formatter = OneLineFormatter(FORMAT)
    for text in HOSTILE:
        line = formatter.format(_record("customer %s", text))
        assert len(line.splitlines()) == 1 and "\x1b" not in line and "\u202e" not in line, text[:40]


def test_a_tracebacks_lines_are_indented_and_escaped():
    try:
        raise ValueError("bad name" + FORGED + "\x1b[2J")
    except ValueError as err:
        text = OneLineFormatter(FORMAT).format(_record("failed for %s", "amy" + FORGED, exc=err))
    first, *rest = text.split("\n")
    assert RECORD_START.match(first) and len(rest) > 2 and "\x1b" not in text
    assert all(line.startswith("    ") for line in rest)
    assert any("2026-11-30 12:00:00,000 INFO orderflow.api.access" in line for line in rest)  # shown, indented


def test_printable_spells_out_invisible_characters_and_leaves_the_rest():
    assert printable("华信（北京）科技有限公司 x\\n") == "华信（北京）科技有限公司 x\\n"
    assert printable("a\nb\r\tc\x1b[2K\x00") == "a\\nb\\r\\tc\\x1b[2K\\x00"
    assert printable("华信\u202e司\u200b\u2028\U000e0001") == "华信\\u202e司\\u200b\\u2028\\U000e0001"
    assert printable(printable("a\nb\x1b")) == printable("a\nb\x1b")


def test_a_configured_process_writes_one_line_per_record_and_quotes_notifications():
    probe = ("import logging\n"
             "from orderflow.logs import configure_logging\n"
             "from orderflow.notify import LogSender\n"
             "configure_logging()\n"
             f"logging.getLogger('orderflow.test').warning('note: %s', {FORGED!r})\n"
             f"LogSender().send_text('amy', 'note', {('备注' + FORGED)!r})\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 2 and all(RECORD_START.match(line) for line in lines), done.stderr
    assert lines[1].endswith("notify amy (note): '备注\\n2026-11-30 12:00:00,000 INFO orderflow.api.access: "
                             "GET /admin 200'")
