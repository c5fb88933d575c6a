"""RELIABILITY.md, written from the fault tests' own results at the end of the run that executed them."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_results: list[tuple[str, str, bool, float]] = []


def record_result(fault: str, checked: str, passed: bool, seconds: float) -> None:
    _results.append((fault, checked, passed, seconds))


def write_report() -> Path | None:
    """test-artifacts/RELIABILITY.md always; the committed RELIABILITY.md with `make reliability`."""
    if not _results:
        return None
    lines = [
        "# Reliability", "",
        "Produced by the fault-injection tests (`tests/reliability/`) from their own results: each fault is done "
        "for real on loopback (a worker SIGKILLed, the Temporal server stopped, S3 or the database cut off or "
        "frozen through a proxy), then `tests/invariants.py` checks the whole store. Regenerate with "
        "`make reliability`.", "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, Python {platform.python_version()}.",
        "", "| fault | what was checked afterwards | result | seconds |", "|---|---|---|---|",
    ]
    for fault, checked, passed, seconds in _results:
        lines.append(f"| {fault} | {checked} | {'pass' if passed else '**FAIL**'} | {seconds:.0f} |")
    text = "\n".join(lines) + "\n"
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "RELIABILITY.md").write_text(text, encoding="utf-8")
    if os.environ.get("ORDERFLOW_WRITE_RELIABILITY") == "1":
        (ROOT / "RELIABILITY.md").write_text(text, encoding="utf-8")
        return ROOT / "RELIABILITY.md"
    return ROOT / "test-artifacts" / "RELIABILITY.md"
