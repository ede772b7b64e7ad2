"""Text normalisation (source ch. 4, "Text normalization").

Lowercasing, punctuation removal, whitespace trimming, Unicode NFKD decomposition, accent
stripping and a light suffix stemmer, so that "Montréal" and "Montreal", "walking" and "walks"
meet in one form.

Introduced in chapter 4, "Data preparation".
"""

from __future__ import annotations

import re
import unicodedata

from mlsd_lib._validation import check_text

_SPACES = re.compile(r"\s+")
_VOWELS = set("aeiouy")


def strip_accents(text: str) -> str:
    """NFKD-decompose ``text`` and drop the combining marks (accents).

    Examples
    --------
    >>> strip_accents("Málaga, Noël, Montréal")
    'Malaga, Noel, Montreal'
    >>> strip_accents("ﬁ")          # NFKD also splits compatibility ligatures
    'fi'
    """
    text = check_text(text)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def light_stem(word: str) -> str:
    """A light English suffix stemmer: plural -s/-es/-ies, -ing, -ed, -ly.

    Deliberately small (closer to an "S-stemmer" than to Porter): it maps the inflections a
    search box sees to one form and leaves short words alone.

    Examples
    --------
    >>> [light_stem(w) for w in ["walking", "walks", "walked", "dogs", "puppies", "running", "his", "dress"]]
    ['walk', 'walk', 'walk', 'dog', 'puppy', 'run', 'his', 'dress']
    """
    w = check_text(word, "word")
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and _VOWELS & set(w[:-len(suffix)]):
            stem = w[:-len(suffix)]
            if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]          # running -> run, stopped -> stop
            return stem
    if w.endswith("ly") and len(w) > 5:
        return w[:-2]
    if w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def normalize_text(text: str, *, stem: bool = True) -> str:
    """Lowercase, NFKD + strip accents, punctuation to spaces, trim spaces, stem each word.

    Letters and digits of any script are kept (a query in another script normalises to
    itself, and simply matches nothing in an English index); everything else becomes a space.

    Examples
    --------
    >>> normalize_text("A person walking with his dog in Montréal !")
    'a person walk with his dog in montreal'
    >>> normalize_text("a person walks with his dog, in Montreal.")
    'a person walk with his dog in montreal'
    >>> normalize_text("  DOG!!  ", stem=False)
    'dog'
    """
    text = check_text(text)
    if not isinstance(stem, bool):
        raise TypeError(f"stem must be True or False, got {type(stem).__name__}")
    text = strip_accents(text).lower()
    text = "".join(c if c.isalnum() else " " for c in text)
    words = _SPACES.split(text.strip())
    if stem:
        words = [light_stem(w) for w in words]
    return " ".join(w for w in words if w)
