"""The desk's security over plain HTTP: forged and stale forms, another partner's order by its URL, a session
after sign-out, an expired or idle session, the cookie's attributes, the lockout and audit of the sign-in page,
where the sign-in may send the browser, and typed HTML shown as text in every field a page shows back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from db.auth_models import ApiToken, AuthEvent
from tests.api.conftest import PASSWORD
from tests.dates import today
from tests.desk.conftest import BASE, Desk, hidden, refusal, sign_in, status_of

MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>"


async def issued(desk: Desk, rep: str = "alice") -> str:
    answer = await desk.api.client("amy").post("/orders", json={"rep": rep})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["number"])


async def signed(desk: Desk) -> str:
    number = await issued(desk)
    answer = await desk.api.client("alice").post(f"/orders/{number}/sign", json={
        "customer": 1, "product": "会员服务", "kind": "new", "amount": "12000.00", "signed_on": today().isoformat()})
    assert answer.status_code == 200, answer.text
    return number


async def test_a_step_with_a_missing_or_wrong_csrf_token_changes_nothing(desk: Desk) -> None:
    number = await signed(desk)
    amy = await desk.person("amy")
    right = hidden(await amy.order(number), "csrf")
    # The right token with its last digit changed (a fixed "0" equalled the right one whenever it ended in 0).
    for token in ("", "0" * 64, right[:-1] + ("1" if right.endswith("0") else "0")):
        answer = await amy.step(number, "receive", {"note": "到了"}, csrf=token)
        assert answer.status_code == 403 and "表单已过期" in answer.text
    assert status_of(desk, number) == "AWAITING_ORIGINAL"
    other = await desk.person("sue")  # another person's token is not this session's
    answer = await amy.step(number, "receive", {}, csrf=hidden((await other.get("/desk/inbox")).text, "csrf"))
    assert answer.status_code == 403
    assert status_of(desk, number) == "AWAITING_ORIGINAL"
    assert (await amy.step(number, "receive", {})).status_code == 303  # the page's own token works
    assert status_of(desk, number) == "FIRST_REVIEW"


async def test_another_partner_s_order_by_url_answers_like_a_missing_one(desk: Desk) -> None:
    number = await signed(desk)
    carol = await desk.person("carol")  # a rep of partner SH
    theirs = await carol.get(f"/desk/orders/{number}")
    missing = await carol.get("/desk/orders/BJ199999")
    assert theirs.status_code == missing.status_code == 404
    assert refusal_words(theirs.text).replace(number, "N") == refusal_words(missing.text).replace("BJ199999", "N")
    assert "美来尔" not in theirs.text and "alice" not in theirs.text
    for path in (f"/desk/orders/{number}/file", f"/desk/orders/{number}/file?slip=true"):
        assert (await carol.get(path)).status_code == 404
    form = await carol.get("/desk/inbox")
    posted = await carol.http.post(f"/desk/orders/{number}/report_lost", data={
        "csrf": hidden(form.text, "csrf"), "step_key": "desk-probe", "note": "x"})
    assert posted.status_code == 404 and status_of(desk, number) == "AWAITING_ORIGINAL"


def refusal_words(page: str) -> str:
    start = page.index('<p class="refusal" role="alert">')
    return page[start:page.index("</p>", start)]


async def test_sign_out_ends_the_session_for_good(desk: Desk) -> None:
    alice = await desk.person("alice")
    cookie = alice.http.cookies.get("of_desk")
    assert cookie
    out = await alice.post("/desk/logout", {})
    assert out.status_code == 303 and out.headers["location"] == "/desk/login"
    replay = desk.browser()
    replay.cookies.set("of_desk", cookie, path="/desk")
    answer = await replay.get("/desk/inbox")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/desk/login")
    with desk.api.services.transaction() as session:
        events = list(session.scalars(select(AuthEvent.event).where(AuthEvent.username == "alice")))
    assert "login" in events and "revoked" in events


@pytest.mark.parametrize("how", ["expired", "idle"])
async def test_an_expired_or_idle_session_asks_to_sign_in_again(desk: Desk, how: str) -> None:
    alice = await desk.person("alice")
    assert (await alice.get("/desk/inbox")).status_code == 200
    past = datetime.now(UTC) - timedelta(minutes=desk.api.services.settings.desk_idle_minutes + 1)
    change = {"expires_at": datetime.now(UTC) - timedelta(seconds=1)} if how == "expired" else \
        {"created_at": past, "last_used_at": past}
    with desk.api.services.transaction() as session:
        session.execute(update(ApiToken).where(ApiToken.username == "alice").values(**change))
    answer = await alice.get("/desk/orders?status=ISSUED")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/desk/login?next=/desk/orders%3Fstatus%3DISSUED"


async def test_the_session_cookie_is_httponly_strict_and_secure_over_tls(desk: Desk) -> None:
    from services import auth

    auth.set_password(desk.api.services, "alice", PASSWORD, by="test")
    for base, secure in ((BASE, False), ("https://orderflow.test", True)):
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=desk.api.app, client=("127.0.0.1", 50000)),
                                 base_url=base, headers={"Origin": base})
        desk.api.clients.append(http)
        answer = await sign_in(http, "alice", PASSWORD)
        assert answer.status_code == 303
        header = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and v.startswith("of_desk="))
        parts = {p.strip().split("=")[0].lower() for p in header.split(";")}
        assert {"httponly", "path", "samesite"} <= parts and "samesite=strict" in header.lower()
        assert ("secure" in parts) is secure
        assert "path=/desk" in header.lower()


async def test_sign_in_locks_after_failures_and_audits_them(desk: Desk) -> None:
    from services import auth

    auth.set_password(desk.api.services, "bob", PASSWORD, by="test")
    http = desk.browser()
    limit = desk.api.services.settings.signin_account_failures
    for _ in range(limit):
        wrong = await sign_in(http, "bob", "not the password at all")
        assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text and "of_desk=" not in str(wrong.headers)
    locked = await sign_in(http, "bob", PASSWORD)  # the right password, while locked
    assert locked.status_code == 429 and "登录失败次数过多" in locked.text
    with desk.api.services.transaction() as session:
        failures = session.scalar(select(func.count()).select_from(AuthEvent).where(
            AuthEvent.username == "bob", AuthEvent.event == "login_failed"))
        assert failures == limit
        assert session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.username == "bob")) == 0


async def test_sign_in_without_its_form_token_is_refused(desk: Desk) -> None:
    from services import auth

    auth.set_password(desk.api.services, "bob", PASSWORD, by="test")
    http = desk.browser()
    answer = await http.post("/desk/login", data={"username": "bob", "password": PASSWORD, "csrf": "x"})
    assert answer.status_code == 403 and "of_desk=" not in str(answer.headers)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/desk/inbox", "/\\evil.example",
                                    "javascript:alert(1)", "/api/elsewhere"])
async def test_sign_in_goes_back_only_to_a_desk_page(desk: Desk, target: str) -> None:
    from services import auth

    auth.set_password(desk.api.services, "bob", PASSWORD, by="test")
    answer = await sign_in(desk.browser(), "bob", PASSWORD, next_page=target)
    assert answer.status_code == 303 and answer.headers["location"] == "/desk/inbox"
    switched = await desk.browser().get("/desk/lang/en", params={"next": target})
    assert switched.headers["location"] == "/desk/inbox"


async def test_typed_html_is_shown_as_text_in_every_order_field(desk: Desk) -> None:
    """Product, notes, reasons and the filing location as typed by one person and shown to the next."""
    number = await issued(desk)
    alice, amy, olga = [await desk.person(u) for u in ("alice", "amy", "olga")]
    pages: list[str] = []
    answer = await alice.step(number, "sign", {"customer": "1", "product": MARKUP, "kind": "new",
                                               "amount": "100.00"})
    pages.append(answer.text)
    if answer.status_code != 303:  # refused as a product's text: said in words, the typed text escaped
        assert "请检查输入内容" in refusal(answer.text)
        assert (await alice.step(number, "sign", {"customer": "1", "product": "会员服务", "kind": "new",
                                                  "amount": "100.00"})).status_code == 303
    for person, action, data in ((amy, "receive", {"note": MARKUP}),
                                 (amy, "reject", {"reasons": "amount_mismatch", "note": MARKUP})):
        answer = await person.step(number, action, data)
        assert answer.status_code == 303, answer.text[:300]
    pages += [await alice.order(number), await amy.order(number), (await alice.get("/desk/inbox")).text]
    answer = await alice.step(number, "correct", {"note": MARKUP, "product": MARKUP})
    assert answer.status_code == 422  # the product refused in words; the note and product typed come back escaped
    pages.append(answer.text)
    assert (await alice.step(number, "correct", {"note": MARKUP, "amount": "120.00"})).status_code == 303
    pages.append(await olga.order(number))
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in page for page in pages)


async def test_every_page_carries_the_content_security_policy(desk: Desk) -> None:
    amy = await desk.person("amy")
    for path in ("/desk/inbox", "/desk/orders", "/desk/orders/new", "/desk/login"):
        answer = await amy.get(path)
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
        assert answer.headers["x-frame-options"] == "DENY"
