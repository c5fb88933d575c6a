"""Sign-in, called directly: passwords, tokens, lockouts, setup codes and the audit, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from db.auth_models import ApiToken, AuthEvent, Credential, SetupCode, SignInFailures
from db.engine import unit_of_work
from db.models import User
from db.org_repo import save_user, set_active
from domain.errors import InvalidInput, NotAuthenticated, NotFound, Throttled
from domain.printable import printable
from domain.signin import LockPolicy, new_token, well_formed
from orderflow.orgfile import read_org_file
from orderflow.settings import Settings
from services import auth
from services.context import Services
from tests.integration.conftest import ORG_FILE

PASSWORD = "correct horse battery"


@pytest.fixture
def services(sessions: sessionmaker[Session], tmp_path: Path) -> Services:
    settings = Settings(data_dir=tmp_path, signin_account_failures=3, signin_address_failures=6,
                        signin_lock_seconds=60, signin_lock_max_seconds=600)
    found = Services(settings, sessions)
    for user in ("alice", "bob", "amy"):
        auth.set_password(found, user, PASSWORD, by="test")
    return found


def _events(services: Services, username: str) -> list[str]:
    with services.transaction() as session:
        return list(session.scalars(select(AuthEvent.event).where(AuthEvent.username == username)
                                    .order_by(AuthEvent.id)))


def test_a_password_buys_a_token_that_names_its_user_and_is_kept_only_as_a_hash(services: Services) -> None:
    issued = auth.login(services, "alice", PASSWORD, "127.0.0.1", "laptop")
    token = issued["token"]
    assert token.startswith("oft_") and well_formed(token)
    who = auth.authenticate(services, token)
    assert who.actor.username == "alice" and who.label == "laptop"
    with services.transaction() as session:
        stored = session.scalars(select(ApiToken)).one()
        assert token not in {stored.token_hash, stored.hint} and stored.hint == token[:8]
        assert session.get(Credential, "alice").password_hash.startswith("$argon2id$")  # type: ignore[union-attr]
    assert _events(services, "alice")[-1] == "login"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(services: Services) -> None:
    with pytest.raises(NotAuthenticated) as wrong:
        auth.login(services, "alice", "not the password", "10.0.0.1", "x")
    with pytest.raises(NotAuthenticated) as unknown:
        auth.login(services, "nobody", "not the password", "10.0.0.2", "x")
    with pytest.raises(NotAuthenticated) as no_password_yet:
        auth.login(services, "olga", "not the password", "10.0.0.3", "x")
    assert wrong.value.message == unknown.value.message == no_password_yet.value.message
    assert _events(services, "nobody") == ["login_failed"]


def test_failures_lock_the_account_for_a_while_that_grows_and_then_ends(services: Services) -> None:
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            auth.login(services, "alice", "guess", "10.0.0.1", "x")
    # Locked now: even the right password is refused, without being looked at, and from another address.
    with pytest.raises(Throttled) as locked:
        auth.login(services, "alice", PASSWORD, "10.9.9.9", "x")
    assert 0 < locked.value.retry_after_seconds <= 61
    with services.transaction() as session:
        row = session.get(SignInFailures, "user:alice")
        assert row is not None and row.failures == 3
        first_lock = row.locked_until - datetime.now(UTC)  # type: ignore[operator]
        row.locked_until = datetime.now(UTC) - timedelta(seconds=1)  # the lock has run out
    with pytest.raises(NotAuthenticated):
        auth.login(services, "alice", "guess again", "10.0.0.1", "x")
    with services.transaction() as session:
        row = session.get(SignInFailures, "user:alice")
        second_lock = row.locked_until - datetime.now(UTC)  # type: ignore[union-attr, operator]
        assert timedelta(seconds=100) < second_lock <= timedelta(seconds=120) and first_lock <= timedelta(seconds=60)
        row.locked_until = datetime.now(UTC) - timedelta(seconds=1)  # type: ignore[union-attr]
    auth.login(services, "alice", PASSWORD, "10.0.0.1", "x")  # the lock was temporary; success ends the streak
    with services.transaction() as session:
        assert session.get(SignInFailures, "user:alice") is None
    assert "locked" in _events(services, "alice") and "refused_locked" in _events(services, "alice")


def test_an_unknown_name_locks_like_a_real_one_so_the_lock_reveals_nothing(services: Services) -> None:
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            auth.login(services, "ghost", "guess", "10.0.0.5", "x")
    with pytest.raises(Throttled):
        auth.login(services, "ghost", "guess", "10.0.0.5", "x")


def test_a_name_of_no_usernames_form_is_an_unknown_one_audited_and_counted_spelt_out(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """#20: what anyone types before signing in reaches the audit with no ESC, bidi override or page of text."""
    verified: list[str | None] = []
    real = auth._verify
    monkeypatch.setattr(auth, "_verify", lambda stored, password: verified.append(stored) or real(stored, password))
    hostile = "\x1b[2J<b>eve</b>\u202e\n" + "x" * 10_000
    spelt = printable(hostile)[:64]
    with pytest.raises(NotAuthenticated) as unknown:
        auth.login(services, "nobody", "a guess", "10.4.0.1", "x")
    with pytest.raises(NotAuthenticated) as malformed:
        auth.login(services, hostile, "a guess", "10.4.0.2", "x")
    assert malformed.value.message == unknown.value.message and verified == [None, None]  # the same answer and work
    with pytest.raises(NotAuthenticated, match="wrong username or setup code"):
        auth.complete_setup(services, hostile, "AAAA-BBBB-CCCC", "a long new passphrase", "10.4.0.2")
    assert spelt.startswith("\\x1b[2J<b>eve</b>\\u202e\\n") and _events(services, spelt) == ["login_failed",
                                                                                           "setup_failed"]
    with services.transaction() as session:
        names = list(session.scalars(select(AuthEvent.username)))
        keys = list(session.scalars(select(SignInFailures.key)))
    assert all(name is None or printable(name) == name for name in names + keys), names + keys
    # Still counted under that name (and the address): the third failure locks it like any other name.
    with pytest.raises(NotAuthenticated):
        auth.login(services, hostile, "a guess", "10.4.0.3", "x")
    with pytest.raises(Throttled):
        auth.login(services, hostile, "a guess", "10.4.0.4", "x")


def test_one_address_guessing_across_accounts_is_locked_out(services: Services) -> None:
    for i in range(6):
        with pytest.raises(NotAuthenticated):
            auth.login(services, f"user{i}", "guess", "10.6.6.6", "x")
    with pytest.raises(Throttled):
        auth.login(services, "bob", PASSWORD, "10.6.6.6", "x")
    auth.login(services, "bob", PASSWORD, "10.7.7.7", "x")  # bob himself, elsewhere, is not locked out


def test_lock_policy_doubles_up_to_its_cap() -> None:
    policy = LockPolicy(5, timedelta(minutes=1), timedelta(hours=1))
    assert [policy.lock_for(n) for n in (4, 5, 6, 7)] == [None, timedelta(minutes=1), timedelta(minutes=2),
                                                          timedelta(minutes=4)]
    assert policy.lock_for(60) == timedelta(hours=1)


@pytest.mark.parametrize("token", ["", "Bearer", "oft_short", new_token()[:-1] + "0", "x" * 500])
def test_malformed_or_unknown_tokens_are_refused(services: Services, token: str) -> None:
    with pytest.raises(NotAuthenticated):
        auth.authenticate(services, token)


def test_revoked_expired_and_deactivated_tokens_stop_at_once(services: Services) -> None:
    first = auth.login(services, "alice", PASSWORD, None, "one")
    second = auth.login(services, "alice", PASSWORD, None, "two")
    third = auth.login(services, "bob", PASSWORD, None, "bob's")
    who = auth.authenticate(services, first["token"])
    assert [t["label"] for t in auth.list_tokens(services, who)] == ["one", "two"]
    with pytest.raises(NotFound):  # bob's token is not alice's to revoke, and says so like a missing one
        auth.revoke_token(services, who, third["token_id"], None)
    auth.revoke_token(services, who, second["token_id"], None)
    with pytest.raises(NotAuthenticated):
        auth.authenticate(services, second["token"])
    auth.logout(services, who, None)
    with pytest.raises(NotAuthenticated):
        auth.authenticate(services, first["token"])
    with services.transaction() as session:
        session.execute(update(ApiToken).where(ApiToken.id == third["token_id"])
                        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    with pytest.raises(NotAuthenticated):
        auth.authenticate(services, third["token"])


def _deactivate(services: Services, username: str) -> None:
    with unit_of_work(services.sessions) as session:
        user = session.get(User, username)
        assert user is not None
        set_active(session, user, False, "mike", datetime.now(UTC))


def test_deactivating_a_user_revokes_their_tokens_in_the_same_transaction(services: Services) -> None:
    issued = auth.login(services, "bob", PASSWORD, None, "x")
    _deactivate(services, "bob")
    with pytest.raises(NotAuthenticated):
        auth.authenticate(services, issued["token"])
    with services.transaction() as session:
        row = session.get(ApiToken, issued["token_id"])
        assert row is not None and row.revoked_at is not None and "deactivated by mike" in (row.revoked_reason or "")
        session.get(User, "bob").active = True  # type: ignore[union-attr]
    with pytest.raises(NotAuthenticated):  # reactivation does not bring a revoked token back
        auth.authenticate(services, issued["token"])


def test_an_admin_reset_revokes_the_old_tokens(services: Services) -> None:
    issued = auth.login(services, "amy", PASSWORD, None, "x")
    auth.set_password(services, "amy", "a brand new passphrase", by="admin")
    with pytest.raises(NotAuthenticated):
        auth.authenticate(services, issued["token"])
    with pytest.raises(NotAuthenticated):
        auth.login(services, "amy", PASSWORD, None, "x")
    auth.login(services, "amy", "a brand new passphrase", None, "x")


@pytest.mark.parametrize("password", ["short", "alice-and-her-cat", "aaaaaaaaaaaaaaaa", "password1234",
                                      "tab\tinside password", "x" * 129])
def test_weak_passwords_are_refused_with_a_reason(services: Services, password: str) -> None:
    with pytest.raises(InvalidInput):
        auth.set_password(services, "alice", password, by="admin")


def test_a_setup_code_sets_a_first_password_once(services: Services) -> None:
    with services.transaction() as session:
        code = auth.issue_setup_code(session, "olga", by="dora", days=7)
    with pytest.raises(NotAuthenticated):
        auth.complete_setup(services, "olga", "AAAA-BBBB-CCCC", "a long new passphrase", None)
    with pytest.raises(InvalidInput):  # a weak password is refused before the code is spent
        auth.complete_setup(services, "olga", code, "short", None)
    auth.complete_setup(services, "olga", code.lower().replace("-", "-"), "a long new passphrase", None)
    with pytest.raises(NotAuthenticated):  # spent
        auth.complete_setup(services, "olga", code, "another long passphrase", None)
    auth.login(services, "olga", "a long new passphrase", None, "x")


def test_an_expired_setup_code_is_refused(services: Services) -> None:
    with services.transaction() as session:
        code = auth.issue_setup_code(session, "gao", by="dora", days=7)
        from db.auth_models import SetupCode

        session.flush()
        session.get(SetupCode, "gao").expires_at = datetime.now(UTC) - timedelta(seconds=1)  # type: ignore[union-attr]
    with pytest.raises(NotAuthenticated):
        auth.complete_setup(services, "gao", code, "a long new passphrase", None)


def _at_once(count: int, attempt: Callable[[int], object]) -> list[object]:
    """`attempt(0) ... attempt(count - 1)`, each on its own thread, released together; what each answered or raised."""
    start = threading.Barrier(count)

    def run(i: int) -> object:
        start.wait()
        try:
            return attempt(i)
        except Exception as err:  # noqa: BLE001 - the answer under test
            return err

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_guesses_get_no_more_verdicts_than_the_threshold(services: Services) -> None:
    threshold = services.settings.signin_account_failures
    answers = _at_once(2 * threshold, lambda i: auth.login(services, "alice", f"guess number {i}", "10.0.0.1", "x"))
    kinds = [type(a) for a in answers]
    assert kinds.count(NotAuthenticated) == threshold and kinds.count(Throttled) == threshold, answers
    with services.transaction() as session:
        row = session.get(SignInFailures, "user:alice")
        assert row is not None and row.failures == threshold and row.locked_until is not None
        address = session.get(SignInFailures, "addr:10.0.0.1")
        assert address is not None and address.failures == threshold  # refused attempts count under no key
    assert _events(services, "alice").count("login_failed") == threshold
    assert _events(services, "alice").count("refused_locked") == threshold


def test_a_right_password_takes_its_attempt_back_from_the_address(services: Services) -> None:
    for i in range(5):  # one short of the address's threshold (6)
        with pytest.raises(NotAuthenticated):
            auth.login(services, f"user{i}", "guess", "10.6.6.6", "x")
    auth.login(services, "bob", PASSWORD, "10.6.6.6", "x")  # the 6th attempt locked the address, then was right
    with services.transaction() as session:
        row = session.get(SignInFailures, "addr:10.6.6.6")
        assert row is not None and (row.failures, row.locked_until) == (5, None)
        detail = session.scalars(select(AuthEvent.detail).where(AuthEvent.event == "login")).one()
        assert "lifted the lock it had set (addr)" in (detail or "")
    auth.login(services, "amy", PASSWORD, "10.6.6.6", "x")  # so the address is still open to the right password
    auth.login(services, "amy", PASSWORD, "10.8.8.8", "x")
    with services.transaction() as session:
        assert session.get(SignInFailures, "addr:10.8.8.8") is None  # a right password leaves nothing behind
    with pytest.raises(NotAuthenticated):  # and a 6th failure locks it
        auth.login(services, "user5", "guess", "10.6.6.6", "x")
    with pytest.raises(Throttled):
        auth.login(services, "bob", PASSWORD, "10.6.6.6", "x")


class _SlowHasher:
    """Stands in for argon2: counts hashes and how many run at once."""

    def __init__(self) -> None:
        self.guard = threading.Lock()
        self.running = self.most = self.hashes = 0

    def _work(self) -> None:
        with self.guard:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.2)
        with self.guard:
            self.running -= 1

    def hash(self, password: str) -> str:
        with self.guard:
            self.hashes += 1
        self._work()
        return f"$fake${password}"

    def verify(self, stored: str, password: str) -> bool:
        self._work()
        if stored != f"$fake${password}":
            raise VerifyMismatchError
        return True

    def check_needs_rehash(self, stored: str) -> bool:
        return False


@pytest.fixture
def slow_hasher(monkeypatch: pytest.MonkeyPatch) -> _SlowHasher:
    fake = _SlowHasher()
    monkeypatch.setattr(auth, "_hasher", lambda: fake)
    monkeypatch.setattr(auth, "_dummy_hash", lambda: "$fake$dummy")  # leaves the real one's cache alone
    return fake


def test_argon2_runs_at_most_four_at_once_whoever_asks(services: Services, slow_hasher: _SlowHasher) -> None:
    resetting = ("sam", "mary", "carol", "dora")

    def attempt(i: int) -> object:
        if i < len(resetting):
            return auth.set_password(services, resetting[i], "a long new passphrase", by="admin")
        return auth.login(services, f"ghost{i}", "a guess", f"10.2.{i}.1", "x")

    answers = _at_once(12, attempt)
    assert [type(a) for a in answers[4:]] == [NotAuthenticated] * 8
    assert 2 <= slow_hasher.most <= 4


def test_a_wrong_setup_code_costs_no_password_hash(services: Services, slow_hasher: _SlowHasher) -> None:
    with services.transaction() as session:
        code = auth.issue_setup_code(session, "olga", by="dora", days=7)
    with pytest.raises(NotAuthenticated):
        auth.complete_setup(services, "olga", "AAAA-BBBB-CCCC", "a long new passphrase", None)
    assert slow_hasher.hashes == 0
    auth.complete_setup(services, "olga", code, "a long new passphrase", None)
    assert slow_hasher.hashes == 1


def test_a_setup_code_used_as_a_reset_revokes_the_live_tokens(services: Services) -> None:
    issued = auth.login(services, "amy", PASSWORD, None, "x")
    with services.transaction() as session:
        code = auth.issue_setup_code(session, "amy", by="admin", days=1)
    auth.complete_setup(services, "amy", code, "a brand new passphrase", None)
    with pytest.raises(NotAuthenticated):
        auth.authenticate(services, issued["token"])
    with services.transaction() as session:
        row = session.get(ApiToken, issued["token_id"])
        assert row is not None and row.revoked_reason == "password set with a setup code"
        detail = session.scalars(select(AuthEvent.detail).where(AuthEvent.event == "password_set",
                                                                AuthEvent.username == "amy")
                                 .order_by(AuthEvent.id.desc())).first()
        assert "1 tokens revoked" in (detail or "")
    auth.login(services, "amy", "a brand new passphrase", None, "x")


def test_deactivation_ends_every_way_in_and_reactivation_revives_none(services: Services) -> None:
    issued = auth.login(services, "bob", PASSWORD, None, "x")
    with services.transaction() as session:
        code = auth.issue_setup_code(session, "bob", by="admin", days=1)
    _deactivate(services, "bob")
    with pytest.raises(NotAuthenticated):
        auth.authenticate(services, issued["token"])
    with services.transaction() as session:
        assert session.get(Credential, "bob") is None and session.get(SetupCode, "bob") is None
        event = session.scalars(select(AuthEvent).where(AuthEvent.event == "deactivated")).one()
        assert (event.username, event.detail) == ("bob", "deactivated by mike: 1 tokens revoked, password and "
                                                         "setup code removed")
    _, users = read_org_file(ORG_FILE)
    with unit_of_work(services.sessions) as session:  # reactivated, as an org reload or a reopening does
        save_user(session, next(u for u in users if u.username == "bob"), "mike", datetime.now(UTC))
    with pytest.raises(NotAuthenticated) as old_password:
        auth.login(services, "bob", PASSWORD, None, "x")
    assert old_password.value.message == auth.WRONG
    with pytest.raises(NotAuthenticated):
        auth.complete_setup(services, "bob", code, "a long new passphrase", None)
    auth.set_password(services, "bob", "a long new passphrase", by="admin")
    auth.login(services, "bob", "a long new passphrase", None, "x")
