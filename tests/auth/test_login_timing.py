"""Issue 20, point 4: no login oracle. A failed login takes the same time whether the e-mail
is unknown, an invitation still pending activation, an inactive account or an active one
with a wrong password: every attempt verifies one password hash (a dummy one when the
account has none).

What is timed is the CPU time of the thread the request runs in (the test client runs it in
this thread): the request's own work, which other processes on a busy machine do not change,
as they do its wall time. The attempts are interleaved (each round tries the four kinds in a
shuffled order) and each kind's fastest attempt is compared: an oracle (a kind that skips the
hash) is faster on every attempt. Up to three rounds (one round within 20 % passes); a
costlier hash than the suite's makes the verification dominate the request, as it does in
production.
"""

import random
import time

from portal.auth import services as accounts
from portal.auth.passwords import hash_password
from portal.extensions import db
from tests import factories

ATTEMPTS = 10
TOLERANCE = 0.20
ROUNDS = 3
HASH_METHOD = "scrypt:16384:8:1"  # werkzeug's default cost is 32768; the suite's 256


def test_failed_logins_take_the_same_time_for_every_kind_of_account(app, client, users):
    app.config.update(
        PASSWORD_HASH_METHOD=HASH_METHOD,
        RATELIMIT_LOGIN_PER_IP="100000 per minute",
        RATELIMIT_LOGIN_PER_ACCOUNT="100000 per minute",
    )
    member, manager = users["partner_member"], users["partner_manager"]
    inactive = users["other_manager"]
    for user in (member, inactive):
        user.password_hash = hash_password(factories.PASSWORD)
    inactive.active = False
    accounts.invite_user(by=users["seges_admin"], email="convidada@mg.test",
                         name="Pessoa Convidada", role="partner_member",
                         institution=manager.institution)
    db.session.commit()
    emails = {
        "unknown": "ninguem@mg.test",
        "pending": "convidada@mg.test",
        "inactive": inactive.email,
        "active": member.email,
    }
    client.post("/login", data={"email": "aquecimento@mg.test", "password": "x" * 12})
    rng = random.Random(20)
    rounds = []
    for _ in range(ROUNDS):  # a busy machine may spoil one round; an oracle spoils them all
        fastest = _fastest(client, emails, rng)
        shown = ", ".join(f"{kind} {value * 1000:.1f} ms" for kind, value in fastest.items())
        print(f"fastest failed login over {ATTEMPTS} attempts (CPU time): {shown}")
        rounds.append(shown)
        if max(fastest.values()) <= min(fastest.values()) * (1 + TOLERANCE):
            return
    raise AssertionError(f"fastest logins differ by more than 20 % in every round: {rounds}")


def _fastest(client, emails: dict[str, str], rng: random.Random) -> dict[str, float]:
    """Fastest failed login per kind of account, over ATTEMPTS interleaved rounds."""
    timings: dict[str, list[float]] = {kind: [] for kind in emails}
    order = list(emails)
    for _ in range(ATTEMPTS):
        rng.shuffle(order)
        for kind in order:
            started = time.thread_time()
            response = client.post(
                "/login", data={"email": emails[kind], "password": "senha-errada-123"})
            timings[kind].append(time.thread_time() - started)
            assert response.status_code == 422
            assert "E-mail ou senha incorretos." in response.get_data(as_text=True)
    return {kind: min(values) for kind, values in timings.items()}
