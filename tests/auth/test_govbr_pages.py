"""The gov.br pages are valid HTML (W3C Nu checker, as tests/core/test_html_validity.py does
for the rest) and keep the strict CSP: the login page with the "Entrar com gov.br" button and
the emergency form, the refusal page, the account page linked and not, the page that starts
linking, the levels page."""

from tests.govbr_provider import PRATA_CPF, UNKNOWN_CPF
from tests.html_checker import vnu_errors


def test_the_govbr_pages_are_valid_html(app, client, login, users, govbr, govbr_sign_in,
                                        manager_with_cpf, tmp_path):
    pages = {"login": client.get("/login")}
    pages["refused"] = govbr_sign_in(UNKNOWN_CPF)
    govbr_sign_in(PRATA_CPF)
    pages["account-linked"] = client.get("/conta")
    client.post("/logout")
    pages["login-after-logout"] = client.get("/login")
    login(users["seges_admin"])
    pages["account-not-linked"] = client.get("/conta")
    pages["link"] = client.get("/conta/govbr/vincular")
    pages["levels"] = client.get("/administracao/govbr")
    pages["levels-errors"] = client.post("/administracao/govbr", data={"seges_admin": "x"})
    client.post("/logout")
    app.config.update(PASSWORD_LOGIN=False)
    pages["login-emergency"] = client.get("/login")

    assert {name: r.status_code for name, r in pages.items()} == {
        "login": 200, "refused": 403, "account-linked": 200, "login-after-logout": 200,
        "account-not-linked": 200, "link": 200, "levels": 200, "levels-errors": 422,
        "login-emergency": 200}
    assert "Sair também do gov.br" in pages["login-after-logout"].get_data(as_text=True)
    assert "Acesso de emergência" in pages["login-emergency"].get_data(as_text=True)
    files = []
    for name, response in pages.items():
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        body = response.get_data(as_text=True)
        assert "<script>" not in body and " style=" not in body and "hx-on" not in body
        path = tmp_path / f"{name}.html"
        path.write_text(body, encoding="utf-8")
        files.append(path)
    errors = vnu_errors(files)
    assert not errors, errors
