"""How every orderflow process logs (the API server, the worker, the codec server): one line per record.

Log messages carry typed text (a note, a customer name, a path), and a reader or a log shipper takes each line that
starts with a timestamp for a record. So the formatter writes the whole record line through `domain.printable`: a
CR, LF, ESC, bidi override or any other invisible character becomes its escape (`\\n`, `\\x1b`, `\\u202e`) and no
typed text can end the line and start a forged one. A traceback is many lines by nature: each of its lines is
indented and escaped the same way, so none can pass for a record either.
"""

from __future__ import annotations

import logging

from domain.printable import printable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTINUATION = "    "  # before each line of a traceback or stack: a record starts with its timestamp, never a space


class OneLineFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:
        """The record's line (time, level, logger, message), escaped whole: any field may carry typed text."""
        return printable(super().formatMessage(record))

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)  # cached unindented, as logging does
        for block in (record.exc_text, record.stack_info and self.formatStack(record.stack_info)):
            if block:
                line += "".join(f"\n{CONTINUATION}{printable(part)}" for part in block.splitlines())
        return line


def configure_logging(level: int = logging.INFO, install: bool = True) -> logging.Formatter:
    """The root logger writes one-line records to stderr; as `logging.basicConfig`, nothing changes if the root
    logger already has a handler (a test runner's, say). Returns the formatter (`install=False`: only that, for a
    test to format records exactly as a process would)."""
    formatter = OneLineFormatter(FORMAT)
    if install:
        handler = logging.StreamHandler()
        handler.setFormatter(formatter)
        logging.basicConfig(level=level, handlers=[handler])
        logging.captureWarnings(True)  # a warning's text (which may quote input) goes through the same formatter
    return formatter
