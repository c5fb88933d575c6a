"""Leaving a process that used Temporal's client."""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn


def exit_now(code: int) -> NoReturn:
    """Flush, then exit without interpreter finalization: Temporal's core runtime keeps native threads that can
    abort a normal shutdown ("PyGILState_Release ... finalizing", exit -6) after all work is done."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
