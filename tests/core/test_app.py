"""The application shell: health check, headers, error pages, configuration."""

import pytest
from sqlalchemy import text

import portal
from portal import create_app
from portal.extensions import db


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        }
    )
    with app.app_context():
        response = app.test_client().get("/healthz")
        db.engine.dispose()
    assert response.status_code == 503
    assert response.json["status"] == "error"


@pytest.mark.parametrize("path", ["/login", "/healthz", "/nao-existe", "/static/css/portal.css"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "HX-Request" in response.headers["Vary"]
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_is_sent_over_https(client):
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_404_is_a_portuguese_page(client):
    response = client.get("/nao-existe")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Página não encontrada" in body and "<html" in body


def test_404_for_htmx_is_a_fragment_retargeted_to_the_messages(client):
    response = client.htmx("/nao-existe")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Página não encontrada" in body and "<html" not in body
    assert response.headers["HX-Retarget"] == "#mensagens"


def test_csrf_failure_is_a_400_with_a_way_back(client):
    response = client.post("/login", data={"email": "a@b.c", "password": "x"}, csrf=False)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Sua sessão expirou" in body
    assert "Ir para o início" in body


def test_405_is_in_portuguese(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Método não permitido" in response.get_data(as_text=True)


def test_500_renders_the_portuguese_error_page(fresh_app):
    fresh_app.config["PROPAGATE_EXCEPTIONS"] = False

    @fresh_app.get("/_explode")
    def _explode():
        raise RuntimeError("boom")

    response = fresh_app.test_client().get("/_explode")
    assert response.status_code == 500
    assert "Erro interno" in response.get_data(as_text=True)


def test_413_is_in_portuguese(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10
    response = client.post("/login", data={"email": "x" * 100, "password": "y"})
    assert response.status_code == 413
    assert "Arquivo grande demais" in response.get_data(as_text=True)


def test_config_comes_from_prefixed_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ITEMS_PER_PAGE", "7")
    monkeypatch.setenv("PORTAL_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/x.db")
    app = create_app({"SECRET_KEY": "x", "PUBLIC_URL": "https://rede.exemplo.gov.br"})
    assert app.config["ITEMS_PER_PAGE"] == 7
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.db")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_secret_key_is_generated_once_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(portal, "PROJECT_ROOT", tmp_path)
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "PUBLIC_URL": "https://rede.exemplo.gov.br"}
    first = create_app(dict(config)).config["SECRET_KEY"]
    second = create_app(dict(config)).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_database_enforces_foreign_keys(app):
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    else:
        assert db.engine.dialect.name == "postgresql"  # enforces foreign keys natively
