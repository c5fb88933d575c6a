"""Where the CLI's human output meets the terminal: one rich Console, and typed text made inert on its way there.

Everything the API returns that a person typed (customer names, notes, products, locations, payer names, reasons,
labels) is only text. rich reads `[...]` in a printed string or a table cell as markup (`[link=...]` draws a
terminal hyperlink, a stray `[/]` crashes the command) and `:name:` as an emoji; and stored text may hold an ESC that
drives the terminal itself. So:
- `console()` is the only Console the CLI builds: no emoji codes, and no highlighting (rich's highlighter colours
  typed text as if it were code, and its patterns take seconds over a long typed line);
- `typed(value)` is how a typed value enters rich output: markup escaped, invisible characters spelt out;
- `plain(value)` is how one enters a plain `print`: invisible characters spelt out (no markup to escape there).
`--json` output is JSON as the API sent it, and goes through none of this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.printable import printable

if TYPE_CHECKING:
    from rich.console import Console


def console() -> Console:
    from rich.console import Console  # imported here: `orderflow --help` needs none of rich

    return Console(emoji=False, highlight=False)


def plain(value: object) -> str:
    return printable(str(value))


def typed(value: object) -> str:
    from rich.markup import escape

    return escape(printable(str(value)))
