"""Issue 20, point 1: links and hosts. Production refuses to start without PUBLIC_URL; every
link in an e-mail is built on it (never on the request's Host header); requests naming any
other host are refused (TRUSTED_HOSTS, derived from PUBLIC_URL plus EXTRA_TRUSTED_HOSTS)
with a log line saying so."""

import logging
import re

import pytest

from portal import create_app
from portal.core.urls import ConfigurationError
from portal.extensions import db

PUBLIC = "https://rede.exemplo.gov.br"


def _production_config(database_uri, tmp_path, **config) -> dict:
    return {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_uri,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"), **config}


def test_production_refuses_to_start_without_public_url(database_uri, tmp_path):
    with pytest.raises(ConfigurationError, match="PORTAL_PUBLIC_URL não configurado"):
        create_app(_production_config(database_uri, tmp_path))
    with pytest.raises(ConfigurationError, match="PORTAL_PUBLIC_URL inválido"):
        create_app(_production_config(database_uri, tmp_path, PUBLIC_URL="rede.gov.br"))
    # Debug and tests may run without it.
    assert create_app(_production_config(database_uri, tmp_path, DEBUG=True)).debug


def test_trusted_hosts_are_the_public_host_plus_the_extra_list(database_uri, tmp_path):
    app = create_app(_production_config(
        database_uri, tmp_path, PUBLIC_URL=PUBLIC + "/",
        EXTRA_TRUSTED_HOSTS="portal-interno.gestao.gov.br, 10.0.0.5"))
    assert app.config["TRUSTED_HOSTS"] == [
        "rede.exemplo.gov.br", "portal-interno.gestao.gov.br", "10.0.0.5"]
    app = create_app(_production_config(
        database_uri, tmp_path, PUBLIC_URL=PUBLIC, TRUSTED_HOSTS=[".gestao.gov.br"]))
    assert app.config["TRUSTED_HOSTS"] == [".gestao.gov.br"]  # set by hand: kept


def _reset_links(outbox) -> list[str]:
    return [link for message in outbox
            for link in re.findall(r"https?://\S+", message.get_content())]


def test_forgot_password_for_a_forged_host_is_refused_and_logged(app, client, users, outbox,
                                                                 caplog):
    app.config.update(PUBLIC_URL=PUBLIC, TRUSTED_HOSTS=["rede.exemplo.gov.br", "localhost"],
                      WTF_CSRF_ENABLED=False)  # the session cookie is localhost's
    with caplog.at_level(logging.WARNING, logger="portal.security"):
        response = client.post("/senha/esqueci", data={"email": "membro@mg.test"},
                               headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "host" in response.get_data(as_text=True)
    assert outbox == []
    assert any("'evil.example'" in r.getMessage() and "TRUSTED_HOSTS" in r.getMessage()
               for r in caplog.records)
    # The public host itself is served, and its link is on the public address.
    response = client.post("/senha/esqueci", data={"email": "membro@mg.test"},
                           headers={"Host": "rede.exemplo.gov.br"})
    assert response.status_code == 302
    [link] = _reset_links(outbox)
    assert link.startswith(f"{PUBLIC}/senha/redefinir/")


def test_mail_links_never_follow_the_request_host(app, client, users, outbox):
    """Even where no host is refused (tests and development, no TRUSTED_HOSTS), a forged Host
    never reaches a link: PUBLIC_URL, or without it the configured server name."""
    app.config["WTF_CSRF_ENABLED"] = False  # the session cookie is localhost's, not sent here
    for public_url, base in [(PUBLIC, PUBLIC), (None, "http://localhost")]:
        app.config["PUBLIC_URL"] = public_url
        outbox.clear()
        response = client.post("/senha/esqueci", data={"email": "membro@mg.test"},
                               headers={"Host": "evil.example"})
        assert response.status_code == 302
        [link] = _reset_links(outbox)
        assert link.startswith(f"{base}/senha/redefinir/"), link
        assert "evil.example" not in outbox[0].get_content()


def test_a_production_app_answers_only_its_public_host(database_uri, tmp_path, caplog):
    app = create_app(_production_config(database_uri, tmp_path, PUBLIC_URL=PUBLIC,
                                        EXTRA_TRUSTED_HOSTS=["127.0.0.1"]))
    client = app.test_client()
    try:
        assert client.get("/healthz", base_url="https://rede.exemplo.gov.br").status_code == 200
        assert client.get("/healthz", base_url="http://127.0.0.1:8000").status_code == 200
        with caplog.at_level(logging.WARNING, logger="portal.security"):
            refused = client.get("/login", base_url="https://evil.example")
    finally:
        with app.app_context():
            db.engine.dispose()
    assert refused.status_code == 400
    assert refused.mimetype == "text/plain"
    assert "evil.example" in caplog.text
