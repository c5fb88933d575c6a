"""Reading bank statements: encodings, delimiters, headers, bad lines; and the automatic matching rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInput, Refused
from domain.payments import Candidate, LineStatus, check_line_open, check_unmatch, decide_match
from domain.statements import parse_statement

TODAY = date(2026, 11, 26)
ROWS = ["交易日期,金额,对方户名,对方账号,流水号,摘要",
        "2026-11-20,\"12,000.00\",北京美来尔工程技术有限公司,6222000011112222,CMB0001,货款",
        "2026/11/21,500,华信科技(北京)有限公司,,CMB0002,"]


def _csv(rows: list[str], delimiter: str = ",") -> str:
    return "\n".join(r.replace(",", delimiter) if delimiter != "," else r for r in rows) + "\n"


def test_a_gbk_export_reads_with_chinese_headers_and_name_keys():
    parsed = parse_statement(_csv(ROWS).encode("gbk"), TODAY)
    assert parsed.encoding == "gb18030" and parsed.errors == []
    first, second = parsed.lines
    assert (first.bank_ref, first.value_date, first.amount, first.payer_key) == (
        "CMB0001", date(2026, 11, 20), Decimal("12000.00"), "美来尔工程技术")
    assert isinstance(first.amount, Decimal) and second.payer_key == "华信科技"
    assert (second.line_no, second.value_date) == (3, date(2026, 11, 21))


@pytest.mark.parametrize("encoding,expected", [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
                                               ("utf-8", "utf-8"), ("gb18030", "gb18030")])
@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_common_encodings_and_delimiters_load(encoding: str, expected: str, delimiter: str):
    rows = [r.replace('"12,000.00"', "12000.00") for r in ROWS]
    parsed = parse_statement(_csv(rows, delimiter).encode(encoding), TODAY)
    assert (parsed.encoding, parsed.delimiter) == (expected, delimiter)
    assert [line.bank_ref for line in parsed.lines] == ["CMB0001", "CMB0002"] and parsed.errors == []


def test_english_headers_a_preamble_and_other_date_and_amount_forms():
    text = ("Account: 1100 1234\nPeriod: November\n"
            "Value Date,Amount,Payer Name,Payer Account,Bank Reference,Memo\n"
            "20261120,CNY 1000.50,Acme Ltd,1,R1,\n"
            "2026年11月21日,\"￥2,000.00\",\"Acme, Ltd\",1,R2,\n"
            "2026-11-22 10:31:02,3000,Acme Ltd,1,R3,\n"
            "2026-11-22,2,000.00,Acme Ltd,1,R4,\n")
    parsed = parse_statement(text.encode(), TODAY)
    assert [(line.line_no, line.value_date.day, line.amount) for line in parsed.lines] == [
        (4, 20, Decimal("1000.50")), (5, 21, Decimal("2000.00")), (6, 22, Decimal("3000.00"))]
    assert [(e.line_no, e.reason) for e in parsed.errors] == [(7, "it has 7 fields; the header has 6")]


def test_bad_lines_are_reported_by_number_and_the_good_ones_still_load():
    rows = [*ROWS,
            "2026-13-01,1,A,1,R1,", "2026-11-01,1.001,A,1,R2,", "2026-11-01,0,A,1,R3,",
            "2026-12-30,1,A,1,R4,",  # after today
            "2026-11-01,1,,1,R5,", "2026-11-01,1,A", "2026-11-01,(100.00),A,1,R6,",
            "2026-11-01,1,A,1,CMB0001,",  # the reference of line 2, for another payment
            "2026-11-20,\"12,000.00\",北京美来尔工程技术有限公司,6222000011112222,CMB0001,货款",  # line 2 again
            "", "2026-11-01,1,\x07bell,1,R7,"]
    parsed = parse_statement(_csv(rows).encode(), TODAY)
    assert [line.bank_ref for line in parsed.lines] == ["CMB0001", "CMB0002"]
    assert parsed.repeated == 1
    reasons = {e.line_no: e.reason for e in parsed.errors}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10, 11, 14]
    assert "not a real calendar day" in reasons[4] and "more than two decimal places" in reasons[5]
    assert "greater than zero" in reasons[6] and "in the future" in reasons[7]
    assert "payer name must not be empty" in reasons[8] and "it has 3 fields" in reasons[9]
    assert "outgoing payment" in reasons[10] and "already used on line 2" in reasons[11]
    assert "control character" in reasons[14]


def test_a_cell_its_kind_cannot_hold_refuses_its_line_by_number_and_names_the_character():
    """#20: a payer is a name (a bank may mask it: 张*三), a reference and an account are identifiers; the memo is
    free text and keeps markup characters, which every output escapes."""
    rows = ["交易日期,金额,对方户名,对方账号,流水号,摘要",
            "2026-11-20,500,张*三,6222****1111,CMB0001,=HYPERLINK(\"x\") <b>货款</b>",
            "2026-11-20,500,华信\u202e司公限有,6222****1111,CMB0002,货款",
            "2026-11-20,500,<b>华信</b>有限公司,6222****1111,CMB0003,货款",
            "2026-11-20,500,华信有限公司,6222****1111,CMB'4,货款",
            "2026-11-20,500,华信有限公司,6222;1111,CMB0005,货款",
            "2026-11-20,500,华信有限公司,6222,CMB0006,货\u200b款"]
    parsed = parse_statement(_csv(rows).encode(), TODAY)
    assert [(line.bank_ref, line.payer_name, line.memo) for line in parsed.lines] == [
        ("CMB0001", "张*三", "=HYPERLINK(\"x\") <b>货款</b>")]
    reasons = {e.line_no: e.reason for e in parsed.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7]
    assert reasons[3].startswith("payer name contains U+202E RIGHT-TO-LEFT OVERRIDE, an invisible format character")
    assert reasons[4].startswith('payer name contains "<" (U+003C LESS-THAN SIGN); a payer name may contain')
    assert reasons[5].startswith('bank reference contains "\'" (U+0027 APOSTROPHE)')
    assert reasons[6].startswith('payer account contains ";" (U+003B SEMICOLON)')
    assert reasons[7].startswith("memo contains U+200B ZERO WIDTH SPACE")


def test_a_bad_cell_is_echoed_cut_and_with_its_invisible_characters_spelt_out():
    """#20: the import report quotes a bad date or amount; the file is anyone's, so the quote forges no line and
    is not a page long."""
    forged = "2026-11-30 12:00:00,000 INFO orderflow.api.access: GET /admin 200"
    rows = ["交易日期,金额,对方户名,对方账号,流水号,摘要",
            f"\"x\n{forged}\x1b[2J\",500,华信有限公司,6222,R1,",
            f"{'9' * 5000},500,华信有限公司,6222,R2,",
            "2026-02\x1c-30,500,华信有限公司,6222,R3,",
            f"2026-11-20,-5\x1b[2J{'0' * 5000},华信有限公司,6222,R4,",
            f"2026-11-20,{'1' * 5000}.001,华信有限公司,6222,R5,",
            "2026-11-20,12\x1b3,华信有限公司,6222,R6,"]
    parsed = parse_statement(_csv(rows).encode(), TODAY)
    reasons = [e.reason for e in parsed.errors]
    assert len(reasons) == 6 and not parsed.lines
    assert reasons[0] == ("value date 'x\\n2026-11-30 12:00:00,000 INFO orderflow…' is not a date (YYYY-MM-DD, "
                          "YYYY/MM/DD, YYYYMMDD or YYYY年M月D日)")
    assert reasons[1].startswith(f"value date '{'9' * 40}…' is not a date")
    assert reasons[2] == "value date '2026-02\\x1c-30' is not a real calendar day"
    assert reasons[3].startswith("amount -5\\x1b[2J0000") and "…" in reasons[3]
    assert reasons[4] == f"amount '{'1' * 40}…' is not an amount of money: 5004 characters long"
    assert reasons[5].startswith("amount contains U+001B ESCAPE, a control character")
    assert all(len(r) < 200 and "\n" not in r and "\x1b" not in r for r in reasons), reasons


@pytest.mark.parametrize("data,message", [
    (b"", "empty"), (b"   \n", "empty"), (b"\x00\x01\x02PK\x03\x04", "binary"),
    (b"a,b,c\n1,2,3\n", "no header row"), (b"\xff\xfe\x00\xd8", "utf-16 byte-order mark"),
    (b"\x81\x30", "neither UTF-8 nor GBK"),
])
def test_files_that_are_not_statements_are_refused_whole(data: bytes, message: str):
    with pytest.raises(InvalidInput, match=message):
        parse_statement(data, TODAY)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_statement_or_a_clear_refusal(data: bytes):
    try:
        parsed = parse_statement(b"value date,amount,payer name,bank reference\n" + data, TODAY)
    except InvalidInput as err:
        assert err.message
        return
    for line in parsed.lines:
        assert line.amount > 0 and line.bank_ref and line.payer_key


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=4, max_size=6))
def test_hostile_cells_never_crash_the_parser(cells: list[str]):
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows([["value date", "amount", "payer name", "bank reference"], cells])
    try:
        parsed = parse_statement(out.getvalue().encode(), TODAY)
    except InvalidInput:
        return
    assert len(parsed.lines) + len(parsed.errors) + parsed.repeated <= 1


def test_a_match_is_automatic_only_for_exactly_one_order_owing_exactly_the_amount():
    one = decide_match(Decimal("500.00"), [Candidate("A", Decimal("500.00")), Candidate("B", Decimal("600.00"))])
    assert (one.status, one.order_number) == (LineStatus.MATCHED, "A")
    two = decide_match(Decimal("500.00"), [Candidate("B", Decimal("500.00")), Candidate("A", Decimal("500.00"))])
    assert (two.status, two.order_number, two.candidates) == (LineStatus.AMBIGUOUS, None, ("A", "B"))
    none = decide_match(Decimal("400.00"), [Candidate("B", Decimal("500.00"))])
    assert (none.status, none.candidates) == (LineStatus.UNMATCHED, ("B",))
    assert decide_match(Decimal("1.00"), []).status is LineStatus.UNMATCHED


def test_a_line_pays_once_and_is_unmatched_only_before_its_order_takes_effect():
    check_line_open("R1", "unmatched", None)
    with pytest.raises(Refused, match="already matched to order A"):
        check_line_open("R1", "matched", "A")
    check_unmatch("R1", "matched", "A", "AWAITING_PAYMENT")
    with pytest.raises(Refused, match="has taken effect"):
        check_unmatch("R1", "matched", "A", "EFFECTIVE")
    with pytest.raises(Refused, match="not matched to any order"):
        check_unmatch("R1", "ambiguous", None, None)
