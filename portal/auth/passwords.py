"""Password policy (NIST SP 800-63B style: length and a blocklist, no composition rules)."""

from functools import cache
from importlib import resources

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords (zxcvbn's list, MIT licence: see the file's header)."""
    text = resources.files("portal.auth").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.lower() for line in text.splitlines() if line and not line.startswith("# ")
    )


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Return why ``password`` is not acceptable, in Portuguese, or None."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return f"A senha deve ter pelo menos {minimum} caracteres."
    if len(password) > 200:
        return "A senha deve ter no máximo 200 caracteres."
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 3:
        return "Esta senha é muito comum e fácil de adivinhar. Escolha outra."
    personal = {email.lower(), email.split("@")[0].lower(), name.lower().replace(" ", "")}
    if lowered.replace(" ", "") in personal - {""}:
        return "A senha não pode ser igual ao seu e-mail ou nome."
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    return check_password_hash(password_hash, password)
