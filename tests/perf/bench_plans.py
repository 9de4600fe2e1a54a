"""Benchmarks for the work-plan importer and the schedule engine (run on demand: make bench).

    .venv/bin/python tests/perf/bench_plans.py [--institutions 6000] [--database URI]

Prints timings; results are written down in docs/benchmarks.md.
"""

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from portal import create_app
from portal.agreements.models import Agreement, Goal
from portal.deliverables import generation
from portal.extensions import db
from portal.institutions.models import Institution
from portal.plans import services as plans
from portal.plans.importer import parse_plan, read_seed_plan
from tests.factories import valid_cnpj

CORPUS = Path(__file__).resolve().parents[1] / "data" / "plans"


def bench_parse(repeat: int = 50) -> None:
    data = read_seed_plan()
    parse_plan(data)  # warm caches, as a running server would be
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        parse_plan(data)
        runs.append((time.perf_counter() - started) * 1000)
    print(f"parse seed: median {statistics.median(runs):.1f} ms, max {max(runs):.1f} ms "
          f"({repeat} runs)")
    corpus = [path.read_bytes() for path in sorted(CORPUS.iterdir())
              if path.suffix in (".txt", ".html")]
    runs = []
    for plan in corpus:
        started = time.perf_counter()
        parse_plan(plan)
        runs.append((time.perf_counter() - started) * 1000)
    print(f"parse corpus ({len(corpus)} plans, tests/data/plans): median "
          f"{statistics.median(runs):.1f} ms, max {max(runs):.1f} ms")


def bench_generation(uri: str, institutions: int) -> None:
    from flask_migrate import upgrade

    _create_database_if_missing(uri)
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
        plan = parse_plan(read_seed_plan())
        started = time.perf_counter()
        template, _ = plans.import_plan(plan, start=date(2025, 10, 1), years=5)
        print(f"import seed (one agreement): {(time.perf_counter() - started) * 1000:.0f} ms")

        partners = [Institution(name=f"Município {i}", cnpj=valid_cnpj(20_000_000 + i),
                                sphere="municipal", uf="MG", elo="Municípios")
                    for i in range(institutions - 1)]
        db.session.add_all(partners)
        for index, partner in enumerate(partners):
            agreement = Agreement(kind="ACT", number=f"{1000 + index}/2025", partner=partner,
                                  term_start=date(2025, 10, 1), term_end=date(2030, 9, 30),
                                  axes=[1, 2, 3])
            agreement.goals = [Goal(code=g.code, position=g.position, axes=g.axes,
                                    description=g.description, deadline_text=g.deadline_text,
                                    schedule=g.schedule, responsible=g.responsible)
                               for g in template.goals]
            db.session.add(agreement)
        db.session.commit()
        ids = db.session.scalars(db.select(Agreement.id).where(Agreement.id != template.id)).all()
        db.session.expunge_all()
        started = time.perf_counter()
        created = generation.generate_for_agreements(ids)
        elapsed = time.perf_counter() - started
        print(f"generate deliverables for {institutions - 1} agreements x 23 goals x 5 years "
              f"on {db.engine.dialect.name}: {created} rows in {elapsed:.1f} s")
        started = time.perf_counter()
        again = generation.generate_for_agreements(ids)
        print(f"regeneration (no-op, {again} new rows): {time.perf_counter() - started:.1f} s")
        db.engine.dispose()


def _create_database_if_missing(uri: str) -> None:
    from sqlalchemy import create_engine, make_url, text

    url = make_url(uri)
    if url.get_backend_name() != "postgresql":
        return
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                    {"name": url.database}).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--institutions", type=int, default=6000)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    bench_parse()
    with tempfile.TemporaryDirectory() as folder:
        uri = args.database or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        bench_generation(uri, args.institutions)


if __name__ == "__main__":
    main()
