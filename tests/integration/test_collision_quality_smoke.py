"""The collision-quality benchmark's main path on a tiny register (300 customers, SQLite): every variant row is
reported with sane numbers, and the check still catches what it must. A quality gate, not a snapshot: the bars are
below the issue's targets (a small sample is noisy) but far above what a check without the foldings gets."""

from __future__ import annotations

import pytest

from bench.collision_quality import main, run_all
from bench.quality_corpus import NAME_KINDS, NUMBER_KINDS
from bench.quality_table import FALSE_EXACT, NEW, STRUCTURAL, Run, render


@pytest.fixture(scope="module")
def runs() -> list[Run]:
    return run_all([300], ["sqlite"], per_kind=20, new=60, pg_base="")


def test_every_variant_kind_is_measured_and_reported(runs: list[Run]):
    [run] = runs
    table = render(runs)
    for kind in [*NAME_KINDS, *NUMBER_KINDS, NEW, FALSE_EXACT]:
        assert f"| {kind} |" in table
        tally = run.tallies[kind]
        assert tally.n >= 15, kind  # the corpus has customers each kind applies to
        assert 0 <= tally.exact + tally.alert <= tally.n
    assert "| sqlite | 300 |" in table
    assert 0 < run.p50 <= run.p99 < 1000


def test_the_check_catches_the_variants_it_must(runs: list[Run]):
    caught = {kind: t.pct(t.exact + t.alert) for kind, t in runs[0].tallies.items()}
    for kind in [*STRUCTURAL, *NUMBER_KINDS]:  # traditional characters among them
        assert caught[kind] >= 90, (kind, caught[kind], runs[0].tallies[kind].examples)
    assert caught["1-char homophone typo"] >= 80, runs[0].tallies["1-char homophone typo"].examples
    assert runs[0].tallies[FALSE_EXACT].exact == 0  # a new company never collides by name


def test_new_companies_are_not_alerted_most_of_the_time(runs: list[Run]):
    new = runs[0].tallies[NEW]
    assert new.pct(new.alert) <= 30, new.examples


def test_the_command_line_prints_the_tables(capsys: pytest.CaptureFixture[str]):
    main(["--sizes", "120", "--dbs", "sqlite", "--per-kind", "3", "--new", "5"])
    out = capsys.readouterr().out
    assert "| traditional characters | ≥ 99% |" in out and "| sqlite | 120 |" in out
