"""Reading a bank statement export: encodings, delimiters and headers of Chinese banks, line by line.

Pure: bytes in, lines and line-numbered errors out. A bad line never stops the good ones.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from domain.errors import DomainError, InvalidInput
from domain.fields import parse_amount
from domain.names import name_key
from domain.printable import printable
from domain.text import TextKind, check_text, check_visible

MAX_FILE_BYTES = 20 * 1024 * 1024
# Exports open with an account summary before the header; look this far for it.
HEADER_SEARCH_LINES = 30
DELIMITERS = ",\t;|"

# Header names as banks write them, folded by _fold. The first four are required.
COLUMNS: dict[str, tuple[str, ...]] = {
    "value_date": ("valuedate", "date", "起息日", "交易日期", "记账日期", "入账日期", "到账日期", "日期"),
    "amount": ("amount", "creditamount", "金额", "贷方金额", "收入金额", "收入", "贷方发生额", "交易金额"),
    "payer_name": ("payername", "payer", "对方户名", "付款人名称", "付款人", "对方名称", "付款方户名", "对方账户名称"),
    "bank_ref": ("bankreference", "reference", "ref", "流水号", "交易流水号", "银行流水号", "凭证号", "交易参考号"),
    "payer_account": ("payeraccount", "account", "对方账号", "付款人账号", "付款方账号", "对方账户"),
    "memo": ("memo", "摘要", "用途", "附言", "备注", "交易附言"),
}
REQUIRED = ("value_date", "amount", "payer_name", "bank_ref")
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*[-/.月]?\s*(\d{1,2})\s*日?"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_CURRENCY = re.compile(r"^(?:cny|rmb|￥|¥|元)|(?:cny|rmb|元)$", re.IGNORECASE)
# A cell is echoed in the import report this far, with its invisible characters spelt out: the file is anyone's.
ECHO_CHARS = 40


def echo(cell: str) -> str:
    """A cell's text as a refusal quotes it: cut, and with no character that could forge a line or hide."""
    text = cell.strip()
    return printable(text[:ECHO_CHARS]) + ("…" if len(text) > ECHO_CHARS else "")


@dataclass(frozen=True)
class StatementLine:
    line_no: int
    bank_ref: str
    value_date: date
    amount: Decimal
    payer_name: str
    payer_key: str
    payer_account: str
    memo: str

    def same_as(self, other: StatementLine) -> bool:
        """Two exports of one bank line: everything but where in the file it sat."""
        return (self.bank_ref, self.value_date, self.amount, self.payer_name, self.payer_account) == (
            other.bank_ref, other.value_date, other.amount, other.payer_name, other.payer_account)


@dataclass(frozen=True)
class LineError:
    line_no: int
    reason: str


@dataclass
class Statement:
    encoding: str
    delimiter: str
    lines: list[StatementLine] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    repeated: int = 0  # identical lines given twice in the file; kept once


def decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: a BOM decides; else UTF-8 if it is valid, else GB18030 (a superset of GBK)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as err:
                raise InvalidInput(f"the file starts with a {encoding} byte-order mark but is not valid "
                                   f"{encoding} at byte {err.start}") from None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InvalidInput("the file is neither UTF-8 nor GBK/GB18030 text; export the statement as CSV")


def _fold(header: str) -> str:
    return re.sub(r"[\s_\-()（）:：/]+", "", header).lower()


def _header_map(row: list[str]) -> dict[str, int] | None:
    folded = [_fold(cell) for cell in row]
    found: dict[str, int] = {}
    for column, names in COLUMNS.items():
        index = next((i for i, cell in enumerate(folded) if cell in names and i not in found.values()), None)
        if index is not None:
            found[column] = index
    return found if all(c in found for c in REQUIRED) else None


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_LINES])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in DELIMITERS}
        return max(counts, key=lambda d: counts[d])


def parse_value_date(text: str, today: date) -> date:
    match = _DATE.match(text)
    if match is None:
        raise InvalidInput(f"value date '{echo(text)}' is not a date (YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or "
                           "YYYY年M月D日)")
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise InvalidInput(f"value date '{echo(text)}' is not a real calendar day") from None
    if day > today:
        raise InvalidInput(f"value date {day.isoformat()} is in the future (today is {today.isoformat()})")
    return day


def parse_line_amount(text: str) -> Decimal:
    cleaned = _CURRENCY.sub("", text.strip().replace("，", ",")).strip()
    if cleaned.startswith("-") or (cleaned.startswith("(") and cleaned.endswith(")")):
        raise InvalidInput(f"amount {echo(text)} is an outgoing payment; only incoming payments are matched")
    # parse_amount quotes what it cannot read: only a short cell with nothing invisible reaches it.
    check_visible(cleaned, "amount")
    if len(cleaned) > ECHO_CHARS:
        raise InvalidInput(f"amount '{echo(cleaned)}' is not an amount of money: {len(cleaned)} characters long")
    return parse_amount(cleaned, "amount")


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row[index] if index is not None and index < len(row) else ""


def parse_row(row: list[str], columns: dict[str, int], width: int, today: date) -> StatementLine:
    if len(row) < max(columns[c] for c in REQUIRED) + 1 or len(row) > width:
        # Too many is as bad as too few: an unquoted "2,000.00" shifts every cell after it.
        raise InvalidInput(f"it has {len(row)} fields; the header has {width}")
    payer = check_text(_cell(row, columns, "payer_name"), TextKind.PAYER_NAME)
    key = name_key(payer)
    if not key:
        raise InvalidInput(f"payer name '{echo(payer)}' has no letters or digits")
    return StatementLine(
        line_no=0,
        bank_ref=check_text(_cell(row, columns, "bank_ref"), TextKind.BANK_REF),
        value_date=parse_value_date(_cell(row, columns, "value_date"), today),
        amount=parse_line_amount(_cell(row, columns, "amount")),
        payer_name=payer,
        payer_key=key,
        payer_account=check_text(_cell(row, columns, "payer_account"), TextKind.PAYER_ACCOUNT, required=False),
        memo=check_text(_cell(row, columns, "memo"), TextKind.FREE_TEXT, "memo", max_len=500, required=False),
    )


def parse_statement(data: bytes, today: date) -> Statement:
    """Every good line once, every bad one as (line number, reason); refuse a file that is not a statement."""
    if not data.strip():
        raise InvalidInput("the statement file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(f"the statement file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InvalidInput("the statement file is binary, not CSV text; export the statement as CSV")
    text, encoding = decode(data)
    delimiter = _sniff_delimiter(text)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    statement = Statement(encoding=encoding, delimiter=delimiter)
    columns: dict[str, int] | None = None
    width = 0
    seen: dict[str, StatementLine] = {}
    try:
        for row in rows:
            line_no = rows.line_num
            if columns is None:
                columns, width = _header_map(row), len(row)
                if columns is None and line_no >= HEADER_SEARCH_LINES:
                    break
                continue
            if not any(cell.strip() for cell in row):
                continue
            try:
                line = replace(parse_row(row, columns, width, today), line_no=line_no)
            except DomainError as err:
                statement.errors.append(LineError(line_no, err.message))
                continue
            earlier = seen.get(line.bank_ref)
            if earlier is None:
                seen[line.bank_ref] = line
                statement.lines.append(line)
            elif earlier.same_as(line):
                statement.repeated += 1
            else:
                statement.errors.append(LineError(line_no, f"bank reference {line.bank_ref} was already used on "
                                                           f"line {earlier.line_no} for a different payment"))
    except csv.Error as err:
        statement.errors.append(LineError(rows.line_num, f"the CSV is malformed here ({err}); the rest is unread"))
    if columns is None:
        wanted = ", ".join(COLUMNS[c][0] for c in REQUIRED)
        raise InvalidInput(f"no header row with the columns {wanted} (or their Chinese names, e.g. 交易日期, "
                           f"金额, 对方户名, 流水号) in the first {HEADER_SEARCH_LINES} lines")
    return statement
