"""Matching text the way people type it: accents and case ignored.

In SQL, match with ``func.lower(column).contains(text.lower(), autoescape=True)``: LIKE
wildcards in what people type stay literal."""

import functools
import unicodedata


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
