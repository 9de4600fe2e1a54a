"""Substring search in SQL that treats the user's text literally (no LIKE wildcards)."""

LIKE_ESCAPE = "\\"


def like_pattern(text: str) -> str:
    """``%text%`` in lower case, with ``%``, ``_`` and the escape character escaped.

    Use with ``column.like(like_pattern(q), escape=LIKE_ESCAPE)``.
    """
    escaped = (
        text.lower()
        .replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"
