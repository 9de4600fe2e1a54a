"""The ``portal`` command (a Flask CLI group bound to the app factory)."""

import secrets

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

from portal.core.exceptions import DomainError


def main() -> None:
    FlaskGroup(create_app=_create_app, help="Portal da Rede de Parcerias.")(prog_name="portal")


def _create_app():
    from portal import create_app

    return create_app()


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
    from portal.agreements.services import find_by_cnpj
    from portal.auth import services

    institution = find_by_cnpj(institution_cnpj)
    if institution is None:
        raise click.ClickException(f"Nenhuma instituição com CNPJ {institution_cnpj}.")
    try:
        user = services.create_user(
            email=email, name=name, role=role, institution=institution, password=password
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Usuário {user.email} criado.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_user_command(email):
    """Desativa uma conta e encerra suas sessões."""
    from portal.auth import services

    user = _user_or_fail(email)
    services.deactivate(user)
    click.echo(f"Usuário {user.email} desativado.")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option("--password", help="Nova senha (perguntada se omitida).")
def set_password_command(email, password):
    """Define a senha de uma conta (encerra as sessões abertas)."""
    from portal.auth import services

    user = _user_or_fail(email)
    try:
        services.set_password(user, password)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Senha de {user.email} definida.")


def _user_or_fail(email: str):
    from portal.auth.services import find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"Nenhum usuário com e-mail {email}.")
    return user


@click.command("demo")
@click.option("--password", help="Senha das contas de demonstração (gerada se omitida).")
@click.option("--if-empty", is_flag=True, help="Só carrega se o banco não tiver usuários.")
def demo_command(password, if_empty):
    """Carrega os dados de demonstração (idempotente)."""
    from portal.dev import demo

    if if_empty and not demo.database_is_empty():
        click.echo("O banco já tem dados; demonstração não carregada.")
        return
    password = password or secrets.token_urlsafe(12)
    try:
        logins = demo.load_demo(password)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo("Dados de demonstração carregados. Contas:")
    for email, role, created in logins:
        note = "" if created else " (já existia; senha mantida)"
        click.echo(f"  {email:40} {role}{note}")
    if any(created for _, _, created in logins):
        click.echo(f"Senha das contas criadas: {password}")


@click.command("synth")
@click.option("--institutions", default=6000, show_default=True, type=click.IntRange(5))
@click.option("--users", default=30_000, show_default=True, type=click.IntRange(6))
@click.option("--years", default=5, show_default=True, type=click.IntRange(1, 20),
              help="Vigência dos acordos, iniciados ao longo desse mesmo período.")
@click.option("--topics", default=50_000, show_default=True, type=click.IntRange(1))
@click.option("--posts", default=500_000, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Data de referência (hoje).")
@click.option("--password", help="Senha de todas as contas (gerada se omitida).")
def synth_command(institutions, users, years, topics, posts, seed, today, password):
    """Gera uma federação sintética (num banco vazio) para testes de carga."""
    from portal.dev import synth

    password = password or secrets.token_urlsafe(12)
    sizes = synth.Sizes(institutions, users, years, topics, posts)
    click.echo(f"Gerando federação sintética (semente {seed})...")
    try:
        counts = synth.synthesize(sizes, seed=seed, password=password,
                                  today=today.date() if today else None, echo=click.echo)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    for table, count in counts.items():
        click.echo(f"  {table:24} {count:>10,}".replace(",", "."))
    click.echo("Contas conhecidas (as mesmas da demonstração):")
    for email, _name, role, _key in synth.LOGINS:
        click.echo(f"  {email:40} {role}")
    click.echo(f"Senha de todas as contas: {password}")


def register_commands(app: Flask) -> None:
    from portal.notifications.cli import reminders_cli
    from portal.ops.cli import register as register_ops
    from portal.plans.cli import plan

    app.cli.add_command(plan)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(synth_command)
    register_ops(app)
