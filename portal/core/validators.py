"""Brazilian document numbers: CPF, CNPJ and the SEI/NUP process number.

Pure functions with no Flask or WTForms dependency, so forms, services, the
Plano de Trabalho importer and the command line can all share them.

* ``is_valid_*`` never raise: anything that is not a well-formed number with
  correct check digits (``None`` included) is simply invalid.
* ``format_*`` raise :class:`ValueError` (with a pt-BR message) when the input
  does not have the right number of digits; they do not check the digits, so
  validate first when that matters.
* ``mask_cpf`` never raises and never leaks digits of a malformed value.

Check digits of CPF and CNPJ (including the alphanumeric CNPJ that the Receita
Federal issues from July 2026) are computed by ``validate-docbr``; this module
only adds strict input handling around it (ASCII characters only, exact
length, no zero-padding of short numbers).
"""

from __future__ import annotations

import re

from validate_docbr import CNPJ as _DocbrCNPJ
from validate_docbr import CPF as _DocbrCPF

__all__ = [
    "format_cnpj",
    "format_cpf",
    "format_nup",
    "is_valid_cnpj",
    "is_valid_cpf",
    "is_valid_nup",
    "mask_cpf",
    "nup_check_digits",
    "only_digits",
]

_CPF = _DocbrCPF()
_CNPJ = _DocbrCNPJ()

_NON_DIGITS = re.compile(r"[^0-9]")
# What may separate the groups of a number typed or pasted by a person.
_SEPARATORS = re.compile(r"[\s.\-/]")
_CPF_DIGITS = re.compile(r"[0-9]{11}")
# Alphanumeric CNPJ: 12 characters [0-9A-Z] followed by 2 numeric check digits.
_CNPJ_CHARS = re.compile(r"[0-9A-Z]{12}[0-9]{2}")
_NUP_DIGITS = re.compile(r"[0-9]{17}")

_CPF_MASKED_UNKNOWN = "***.***.***-**"


def only_digits(value: str | None) -> str:
    """Return the ASCII digits of ``value`` (``""`` for ``None``)."""
    if not value:
        return ""
    return _NON_DIGITS.sub("", value)


def _compact(value: str | None) -> str:
    """Drop the usual separators (dots, dashes, slashes, blanks)."""
    if not value or not isinstance(value, str):
        return ""
    return _SEPARATORS.sub("", value)


# --------------------------------------------------------------------- CPF


def is_valid_cpf(value: str | None) -> bool:
    """True for a CPF with 11 digits and correct check digits.

    Accepts ``529.982.247-25`` or ``52998224725``; rejects letters, short or
    long numbers and the all-same-digit numbers (``111.111.111-11``).
    """
    digits = _compact(value)
    if not _CPF_DIGITS.fullmatch(digits) or len(set(digits)) == 1:
        return False
    return _CPF.validate(digits)


def format_cpf(value: str | None) -> str:
    """``52998224725`` → ``529.982.247-25``."""
    digits = only_digits(value)
    if len(digits) != 11:
        raise ValueError("O CPF deve ter 11 dígitos.")
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def mask_cpf(value: str | None) -> str:
    """LGPD display form: ``529.982.247-25`` → ``***.982.247-**``.

    The first three and the last two digits are hidden. An empty value gives
    ``""``; a value that is not an 11-digit CPF is hidden entirely.
    """
    digits = only_digits(value)
    if not digits:
        return ""
    if len(digits) != 11:
        return _CPF_MASKED_UNKNOWN
    formatted = format_cpf(digits)
    return f"***{formatted[3:-2]}**"


# -------------------------------------------------------------------- CNPJ


def _cnpj_chars(value: str | None) -> str:
    return _compact(value).upper()


def is_valid_cnpj(value: str | None) -> bool:
    """True for a CNPJ with correct check digits.

    Both the numeric CNPJ (``00.489.828/0001-55``) and the alphanumeric one
    (``12.ABC.345/01DE-35``, letters valued ``ord(c) - 48``, same weights) are
    accepted; all-same-character numbers are rejected.
    """
    chars = _cnpj_chars(value)
    if not _CNPJ_CHARS.fullmatch(chars) or len(set(chars)) == 1:
        return False
    return _CNPJ.validate(chars)


def format_cnpj(value: str | None) -> str:
    """``00489828000155`` → ``00.489.828/0001-55`` (letters upper-cased)."""
    chars = _cnpj_chars(value)
    if not _CNPJ_CHARS.fullmatch(chars):
        raise ValueError("O CNPJ deve ter 14 caracteres (12 letras ou dígitos e 2 dígitos).")
    return f"{chars[:2]}.{chars[2:5]}.{chars[5:8]}/{chars[8:12]}-{chars[12:]}"


# --------------------------------------------------------------------- NUP


def _nup_digit(digits: str) -> int:
    """One NUP check digit: 11 − (Σ digit × weight mod 11), weights 2, 3, 4…
    from the right; a result of 10 becomes 0 and 11 becomes 1."""
    total = sum(int(d) * weight for weight, d in enumerate(reversed(digits), start=2))
    result = 11 - total % 11
    return {10: 0, 11: 1}.get(result, result)


def nup_check_digits(base: str) -> str:
    """The two check digits of a NUP whose first 15 digits are ``base``.

    The first digit is computed over the 15 digits, the second over the 15
    digits followed by the first check digit.
    """
    if not re.fullmatch(r"[0-9]{15}", base or ""):
        raise ValueError("A base do número de processo deve ter 15 dígitos.")
    first = _nup_digit(base)
    second = _nup_digit(f"{base}{first}")
    return f"{first}{second}"


def is_valid_nup(value: str | None) -> bool:
    """True for a SEI/NUP process number ``NNNNN.NNNNNN/AAAA-DD`` (17 digits)
    whose two check digits are correct."""
    digits = _compact(value)
    if not _NUP_DIGITS.fullmatch(digits):
        return False
    return nup_check_digits(digits[:15]) == digits[15:]


def format_nup(value: str | None) -> str:
    """``19973011749202570`` → ``19973.011749/2025-70``."""
    digits = only_digits(value)
    if len(digits) != 17:
        raise ValueError("O número do processo (NUP) deve ter 17 dígitos.")
    return f"{digits[:5]}.{digits[5:11]}/{digits[11:15]}-{digits[15:]}"
