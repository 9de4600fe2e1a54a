"""Matching text the way people type it: accents and case ignored, LIKE wildcards literal."""

import functools
import unicodedata

LIKE_ESCAPE = "\\"


@functools.lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """One character in lower case and without accents ("Á" → "a", "º" → "o"); always exactly
    one character, so that folding keeps a text's length."""
    decomposed = unicodedata.normalize("NFKD", char)
    base = decomposed[0] if decomposed else char
    if unicodedata.combining(base):
        base = char
    lower = base.lower()
    return lower if len(lower) == 1 else base


def fold(text: str) -> str:
    """``text`` in lower case without accents, as long as ``text``: a match found in the folded
    copy slices the original with its accents and case intact."""
    return "".join(map(fold_char, text))


def like_pattern(text: str) -> str:
    """``%text%`` in lower case, with ``%``, ``_`` and the escape character escaped.

    Use with ``column.like(like_pattern(q), escape=LIKE_ESCAPE)``. New code: prefer
    ``func.lower(column).contains(q.lower(), autoescape=True)``.
    """
    escaped = (
        text.lower()
        .replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"
