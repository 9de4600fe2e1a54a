"""``portal users``: accounts from the command line."""

import click
from flask.cli import AppGroup

from portal.auth import services
from portal.core.exceptions import DomainError
from portal.extensions import db
from portal.institutions.services import find_by_cnpj

users_cli = AppGroup("users", help="Gerencia contas de usuário.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["seges_admin", "seges_reviewer", "partner_manager", "partner_member"]),
)
@click.option("--institution", "institution_cnpj", required=True, help="CNPJ da instituição.")
@click.password_option("--password", help="Senha (perguntada se omitida).")
def create_user_command(email, name, role, institution_cnpj, password):
    """Cria uma conta ativa."""
    institution = find_by_cnpj(institution_cnpj)
    if institution is None:
        raise click.ClickException(f"Nenhuma instituição com CNPJ {institution_cnpj}.")
    try:
        user = services.create_user(
            email=email, name=name, role=role, institution=institution, password=password
        )
        db.session.commit()
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Usuário {user.email} criado.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_user_command(email):
    """Desativa uma conta e encerra suas sessões."""
    user = _user_or_fail(email)
    services.deactivate(user)
    db.session.commit()
    click.echo(f"Usuário {user.email} desativado.")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option("--password", help="Nova senha (perguntada se omitida).")
def set_password_command(email, password):
    """Define a senha de uma conta (encerra as sessões abertas)."""
    user = _user_or_fail(email)
    try:
        services.set_password(user, password)
        db.session.commit()
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Senha de {user.email} definida.")


def _user_or_fail(email: str):
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"Nenhum usuário com e-mail {email}.")
    return user
