"""``portal demo`` and ``portal synth``: the demo Rede and the synthetic federation."""

import secrets

import click

from portal.core.exceptions import DomainError
from portal.dev import demo, synth
from portal.extensions import db


@click.command("demo")
@click.option("--password", help="Senha das contas de demonstração (gerada se omitida).")
@click.option("--if-empty", is_flag=True, help="Só carrega se o banco não tiver usuários.")
def demo_command(password, if_empty):
    """Carrega os dados de demonstração (idempotente)."""
    if if_empty and not demo.database_is_empty():
        click.echo("O banco já tem dados; demonstração não carregada.")
        return
    password = password or secrets.token_urlsafe(12)
    try:
        logins = demo.load_demo(password)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()  # services only flush: the command commits at its end
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
