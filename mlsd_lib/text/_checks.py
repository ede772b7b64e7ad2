"""Input checks for the text package (strings and lists of tokens)."""

from __future__ import annotations

from collections.abc import Iterable


def _check_text(text: object, name: str = "text") -> str:
    """``text`` must be a ``str`` (an empty one is allowed: it normalises to nothing)."""
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}; decode bytes or join tokens first")
    return text


def _check_texts(texts: object, name: str = "texts", *, allow_empty: bool = False) -> list[str]:
    """A non-string iterable of strings, as a list."""
    if isinstance(texts, str | bytes) or not isinstance(texts, Iterable):
        raise TypeError(f"{name} must be a list of strings, got {type(texts).__name__}")
    out = list(texts)
    if not out and not allow_empty:
        raise ValueError(f"{name} is empty; pass at least one string")
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"{name}[{i}] must be a str, got {type(t).__name__}")
    return out


def _check_tokens(tokens: object, name: str = "tokens") -> list[str]:
    """One document's tokens: a list (or tuple) of strings; it may be empty."""
    if isinstance(tokens, str | bytes) or not isinstance(tokens, list | tuple):
        raise TypeError(f"{name} must be a list of token strings (tokenise the text first), "
                        f"got {type(tokens).__name__}")
    for t in tokens:
        if not isinstance(t, str):
            raise TypeError(f"{name} must hold strings, found {type(t).__name__}")
    return list(tokens)


def _check_token_lists(docs: object, name: str = "docs", *, allow_empty: bool = False) -> list[list[str]]:
    """Several documents' tokens: a list of token lists."""
    if isinstance(docs, str | bytes) or not isinstance(docs, Iterable):
        raise TypeError(f"{name} must be a list of token lists, got {type(docs).__name__}")
    out = [_check_tokens(d, f"{name}[{i}]") for i, d in enumerate(docs)]
    if not out and not allow_empty:
        raise ValueError(f"{name} is empty; pass at least one document")
    return out
