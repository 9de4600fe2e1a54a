"""A real SMTP server on loopback (aiosmtpd) and a frozen calendar for the demo data."""

import socket
from datetime import date
from email import message_from_bytes, policy

import pytest


class Inbox:
    """What the SMTP server received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message) -> str:
        return message.get_body(("plain",)).get_content()

    @staticmethod
    def html(message) -> str:
        return message.get_body(("html",)).get_content()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    """Mail goes through SMTP to a server on 127.0.0.1 instead of the test outbox."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.extensions.pop("mail_outbox", None)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_TIMEOUT=5)
    try:
        yield inbox
    finally:
        controller.stop()


def freeze_demo_calendar(monkeypatch, day: date) -> None:
    """The demo dates its meeting, request, courses and training from "today": fix it."""

    class FrozenDate(date):
        @classmethod
        def today(cls):
            return day

    monkeypatch.setattr("portal.dev.demo.date", FrozenDate)
    # The demo may read the portal's clock through its own name (``from … import``).
    monkeypatch.setattr("portal.dev.demo.local_today", lambda: day, raising=False)
    monkeypatch.setattr("portal.core.clock.local_today", lambda: day)
    monkeypatch.setattr("portal.events.services.local_today", lambda: day)


@pytest.fixture
def act(users):
    """MG's ACT 160/2025 from the seed plan, started 01/10/2025 (MG and SEGES from ``users``)."""
    from portal.plans import services as plans
    from portal.plans.importer import parse_plan, read_seed_plan

    agreement, _ = plans.import_plan(parse_plan(read_seed_plan()), start=date(2025, 10, 1), years=5)
    return agreement


def deliverable_of(agreement, code: str, institution_id: int, index: int = 0):
    from portal.agreements.models import Goal
    from portal.deliverables.models import Deliverable
    from portal.extensions import db

    return db.session.scalars(
        db.select(Deliverable)
        .join(Goal)
        .where(Goal.agreement_id == agreement.id, Goal.code == code,
               Deliverable.institution_id == institution_id)
        .order_by(Deliverable.due_on)
    ).all()[index]
