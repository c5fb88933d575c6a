"""`orderflow mail list|show`: the messages `make up`'s local SMTP sink kept (orderflow/mailsink.py), read from its
directory with the standard library's `email` package. No API call: the sink's files are on this machine.

Messages are numbered by arrival (1 is the first; a number never changes as more arrive) and listed newest first.
A file that does not parse as a message is listed as malformed; it never stops the listing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.console import console, plain, typed
from cli.runtime import fail, get, run
from domain.fields import BUSINESS_TZ

if TYPE_CHECKING:
    from email.message import EmailMessage

app = typer.Typer(no_args_is_help=True, help="The mail `make up`'s local SMTP sink kept (under .data/mail).")

DirOption = typer.Option(None, "--dir", help="The sink's directory. Default: $ORDERFLOW_MAIL_DIR, else "
                                             "$ORDERFLOW_DATA_DIR/mail, else .data/mail.")
READ_LIMIT = 16 * 1024 * 1024  # larger than the sink keeps: a bigger file is not one of its messages


def mail_dir(option: Path | None) -> Path:
    if option is not None:
        return option
    if os.environ.get("ORDERFLOW_MAIL_DIR"):
        return Path(os.environ["ORDERFLOW_MAIL_DIR"])
    if os.environ.get("ORDERFLOW_DATA_DIR"):
        return Path(os.environ["ORDERFLOW_DATA_DIR"]) / "mail"
    return Path(".data") / "mail"


@dataclass
class Kept:
    number: int
    path: Path
    received_at: str | None = None  # ISO, UTC, from the file's name
    sender: str = ""
    to: str = ""
    subject: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    problem: str | None = None  # why the file is malformed

    def row(self) -> dict[str, Any]:
        return {"number": self.number, "file": self.path.name, "received_at": self.received_at,
                "from": self.sender, "to": self.to, "subject": self.subject, "malformed": self.problem}


def _received(name: str) -> str | None:
    try:
        return datetime.strptime(name.split("-", 1)[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC).isoformat()
    except ValueError:
        return None


def _files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    # Hidden names are the sink's messages still being written.
    return sorted(p for p in directory.glob("*.eml") if not p.name.startswith(".") and p.is_file())


def _header(msg: EmailMessage, name: str) -> str:
    value = msg.get(name)
    return "" if value is None else str(value)


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    if part is None:
        part = msg.get_body(preferencelist=("html",))
        if part is None:
            return ""
        return "(no plain-text part; the HTML part follows)\n" + str(part.get_content())
    return str(part.get_content())


def read(number: int, path: Path, with_body: bool = False) -> Kept:
    """One kept message, decoded (RFC 2047 headers, transfer encodings, charsets); any failure is the message's
    own problem, reported with it."""
    from email import policy  # imported here: every other command's start-up needs none of it
    from email.message import EmailMessage
    from email.parser import BytesParser

    kept = Kept(number, path, _received(path.name))
    try:
        if path.stat().st_size > READ_LIMIT:
            raise ValueError(f"larger than {READ_LIMIT // (1024 * 1024)} MiB")
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(msg, EmailMessage)
        kept.headers = [(name, str(value)) for name, value in msg.items()]
        kept.sender, kept.to, kept.subject = _header(msg, "From"), _header(msg, "To"), _header(msg, "Subject")
        if not any(msg.get(h) for h in ("From", "To", "Subject", "Date")):
            kept.problem = "no From, To, Subject or Date header"
        if with_body:
            kept.body = _body(msg)
    except Exception as err:  # noqa: BLE001 - a broken file is shown as broken, whatever broke in it
        kept.problem = f"{type(err).__name__}: {err}"
    return kept


def _local(iso: str | None) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M:%S}" if iso else "?"


def list_mail(ctx: typer.Context, directory: Path | None = DirOption,
              limit: int = typer.Option(50, min=1, help="At most this many, newest first.")) -> None:
    """The kept messages, newest first: number, time received (Beijing), to, subject."""
    cli = get(ctx)

    def work() -> None:
        where = mail_dir(directory)
        files = _files(where)
        newest = list(enumerate(files, start=1))[::-1][:limit]  # only those shown are read
        rows = [read(n, p).row() for n, p in newest]

        def human() -> None:
            from rich.table import Table

            if not rows:
                print(plain(f"no mail in {where}" + ("" if where.is_dir() else " (the directory does not exist; "
                                                     "`make up` starts the sink)")))
                return
            table = Table("#", "received (Beijing)", "to", "subject", title=typed(f"mail kept in {where}"))
            for r in rows:
                subject = f"(malformed: {r['malformed']})" if r["malformed"] else r["subject"]
                table.add_row(*map(typed, (r["number"], _local(r["received_at"]), r["to"], subject)))
            console().print(table)
            if len(files) > len(rows):
                print(plain(f"{len(files) - len(rows)} older message(s) not shown; use --limit"))

        cli.emit(rows, human)

    run(cli, work)


def show_mail(ctx: typer.Context, number: int = typer.Argument(..., help="The number `orderflow mail list` shows."),
              directory: Path | None = DirOption) -> None:
    """One kept message: its headers, decoded, and its plain-text body."""
    cli = get(ctx)

    def work() -> None:
        where = mail_dir(directory)
        files = _files(where)
        if not 1 <= number <= len(files):
            fail(cli, 5, f"there is no message {number} in {where} ({len(files)} kept)", "not_found")
        kept = read(number, files[number - 1], with_body=True)
        data = {**kept.row(), "headers": [{"name": n, "value": v} for n, v in kept.headers], "body": kept.body}

        def human() -> None:
            out = console()
            out.print(f"[bold]message {kept.number}[/bold]  {typed(kept.path.name)}  "
                      f"received {_local(kept.received_at)} (Beijing)")
            if kept.problem:
                out.print(f"[red]malformed:[/red] {typed(kept.problem)}")
            for name, value in kept.headers:
                out.print(f"[bold]{typed(name)}:[/bold] {typed(value)}")
            out.print()
            # The body is text someone's program wrote: each line shown, never obeyed by the terminal.
            for line in kept.body.splitlines():
                print(plain(line))

        cli.emit(data, human)

    run(cli, work)


app.command("list")(list_mail)
app.command("show")(show_mail)
