"""Every ``portal`` command, gathered from the features that own them."""

from flask import Flask

from portal.auth.cli import users_cli
from portal.dev.cli import demo_command, synth_command
from portal.notifications.cli import reminders_cli
from portal.ops.cli import register as register_ops
from portal.plans.cli import plan


def register_commands(app: Flask) -> None:
    app.cli.add_command(plan)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(synth_command)
    register_ops(app)
