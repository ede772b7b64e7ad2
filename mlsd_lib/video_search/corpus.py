"""A video corpus with planted ground truth (source ch. 4, "Data preparation", Table 4.1).

No real video–text pairs ship with the book, so clips are rendered: a real Fashion-MNIST
product photo, tinted one of six colours, moves left, right, up or down, slowly or fast, over
one of four backgrounds. Each clip gets what an uploader would write (a title, tags and a
description) and, independently, the query a searcher would type. The metadata fails the
way real uploads do:

- titles omit what is visible, or are vague clickbait; casing, accents and punctuation vary;
- tags are missing for some videos and wrong for others;
- motion is rarely described, and the video's *topic* (review, unboxing...) is never visible;
- paraphrased queries use words that no title, tag, description or training query contains.

The query is generated from the planted attributes, and redrawn in the rare case it
normalises to the title: no query is a copy of its video's title.

Introduced in chapter 4, "Data preparation".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_ids, check_int, check_random_state
from mlsd_lib.text.normalize import normalize_text

# class id -> (the uploader's word, another word searchers use, a paraphrase no upload uses)
CLASS_WORDS = (
    ("t-shirt", "tee", "short-sleeved undershirt"), ("trousers", "pants", "slacks"), ("pullover", "sweater", "jumper"),
    ("dress", "sundress", "gown"), ("coat", "jacket", "parka"), ("sandals", "flip-flops", "open-toe footwear"),
    ("shirt", "button-up", "blouse"), ("sneakers", "trainers", "running shoes"), ("bag", "handbag", "purse"),
    ("ankle boots", "boots", "booties"),
)
COLOURS = {  # name -> (RGB tint, paraphrase)
    "red": ((0.95, 0.15, 0.15), "crimson"), "green": ((0.2, 0.85, 0.25), "emerald"),
    "blue": ((0.2, 0.35, 1.0), "navy"), "yellow": ((1.0, 0.9, 0.1), "golden"),
    "purple": ((0.65, 0.2, 0.9), "violet"), "white": ((1.0, 1.0, 1.0), "ivory"),
}
DIRECTIONS = {  # name -> ((dy, dx) per unit of speed, word form, order-only phrase, paraphrase)
    "left": ((0, -1), "moving left", "from right to left", "drifting westward"),
    "right": ((0, 1), "moving right", "from left to right", "drifting eastward"),
    "up": ((-1, 0), "moving up", "from bottom to top", "rising"),
    "down": ((1, 0), "moving down", "from top to bottom", "falling"),
}
OPPOSITE = {"left": "right", "right": "left", "up": "down", "down": "up"}
SPEEDS = {"slow": (1.0, "slowly", "gently"), "fast": (2.3, "quickly", "rapidly")}
BACKGROUNDS = {"beach": "seaside", "night": "after dark", "grass": "meadow", "studio": "indoors"}
TOPICS = {"review": "honest opinion", "unboxing": "package opening", "haul": "shopping spree",
          "styling tips": "outfit ideas", "sale": "discount"}
CLICKBAIT = ("you won't believe this", "omg watch till the end", "my new favourite thing",
             "this changed everything", "must see!!!")
BOILERPLATE = ("subscribe for more videos", "like and share this video", "new video every week",
               "thanks for watching this video")
FILLERS = ("", "", "video of a", "clip of", "a", "show me")


@dataclass(frozen=True)
class UploadHabits:
    """How often uploads fail: the rates of each failure mode of the generated metadata.

    Examples
    --------
    >>> UploadHabits().missing_tags
    0.3
    """

    vague_title: float = 0.2        # clickbait title with no content word
    title_omits_colour: float = 0.35
    missing_tags: float = 0.3
    wrong_tag: float = 0.1          # one tag names another product class
    no_description: float = 0.3
    mentions_motion: float = 0.1    # the description says which way the item moves
    noisy_spelling: float = 0.3     # upper case, accents, stray punctuation in the title

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            check_float(value, name, low=0.0, high=1.0)


@dataclass
class VideoCorpus:
    """Rendered clips, the uploads' metadata and the searchers' queries.

    Attributes
    ----------
    clips : (n, frames, size, size, 3) uint8 RGB clips.
    meta : one row per video: ``video`` (a file name), ``split``, the planted attributes
        (``label``, ``colour``, ``direction``, ``speed``, ``background``, ``topic``), and
        the upload's ``title``, ``tags`` (a list) and ``description``.
    pairs : the annotated ``<video, query>`` pairs of Table 4.1: ``row`` (into ``meta``),
        ``video``, ``query``, ``kind`` ("literal" or "paraphrase"; training pairs are literal),
        ``split`` and ``reversed`` (the query for the clip played backwards, ``""`` when the
        query does not mention motion) and ``facts`` (the planted attributes the query names, a
        dict: what makes a video relevant to it, :meth:`relevant`).
    """

    clips: np.ndarray
    meta: pd.DataFrame
    pairs: pd.DataFrame

    def relevant(self, pair_rows: ArrayLike, catalogue: ArrayLike) -> list[np.ndarray]:
        """The relevant videos of each query: every video of ``catalogue`` that matches all
        the facts the query names.

        Parameters
        ----------
        pair_rows : positions of the queries in ``pairs``.
        catalogue : rows of ``meta`` being searched; the answer holds positions in it.

        A query's own video always matches its facts, so no set is empty when the catalogue
        holds it; a short query ("red bag") matches several videos.

        Examples
        --------
        >>> x = np.random.default_rng(0).integers(0, 255, (6, 28, 28))
        >>> c = make_video_corpus(x, np.zeros(6, int), {"train": 2, "test": 4}, n_frames=4)
        >>> test = np.flatnonzero(c.meta.split == "test")
        >>> all(len(r) >= 1 for r in c.relevant(np.flatnonzero(c.pairs.split == "test"), test))
        True
        """
        pr = check_ids(pair_rows, "pair_rows", len(self.pairs), allow_empty=True, of="pairs")
        cat = check_ids(catalogue, "catalogue", len(self.meta), of="videos")
        m = self.meta.iloc[cat]
        cols = {a: m[a].to_numpy() for a in ("label", "colour", "direction", "speed", "background", "topic")}
        out = []
        for facts in self.pairs.facts.to_numpy()[pr]:
            keep = np.ones(len(cat), bool)
            for a, v in facts.items():
                keep &= cols[a] == v
            out.append(np.flatnonzero(keep))
        return out

    def query_popularity(self, pair_rows: ArrayLike, exponent: float = 1.0, seed: int = 0) -> np.ndarray:
        """How often each query is searched, in a simulated query log (relative units).

        Searchers' interest in products follows Zipf's law: the product class ranked ``r``
        (a random order drawn from ``seed``) draws interest ``1 / r ** exponent`` per video. A
        query is searched as often as the interest of every video of the corpus that matches
        all the facts it names: short queries about popular products are the head, long
        queries about rare ones the tail (:func:`mlsd_lib.video_search.popularity_buckets`).

        Examples
        --------
        >>> x = np.random.default_rng(0).integers(0, 255, (6, 28, 28))
        >>> c = make_video_corpus(x, np.arange(6) % 10, {"train": 2, "test": 4}, n_frames=4)
        >>> bool((c.query_popularity(np.arange(len(c.pairs))) > 0).all())
        True
        """
        pr = check_ids(pair_rows, "pair_rows", len(self.pairs), allow_empty=True, of="pairs")
        exponent = check_float(exponent, "exponent", low=0.0)
        rng = check_random_state(seed)
        rank = np.empty(len(CLASS_WORDS))
        rank[rng.permutation(len(CLASS_WORDS))] = np.arange(1, len(CLASS_WORDS) + 1)
        interest = 1.0 / rank[self.meta.label.to_numpy()] ** exponent
        everything = np.arange(len(self.meta))
        return np.array([interest[r].sum() for r in self.relevant(pr, everything)])

    def text(self, rows: ArrayLike | None = None) -> list[str]:
        """Title, tags and description of each video joined into one searchable text."""
        m = self.meta if rows is None else self.meta.iloc[check_ids(rows, "rows", len(self.meta), allow_empty=True, of="videos")]
        return [f"{t} {' '.join(g)} {d}".strip() for t, g, d in zip(m.title, m.tags, m.description, strict=True)]


def _item_mask(image: np.ndarray, size: int) -> np.ndarray:
    """A Fashion-MNIST image shrunk 2x by 2x2 averaging, as an opacity mask in [0, 1]."""
    x = image.astype(np.float32) / 255.0
    h = (x.shape[0] // 2) * 2
    return x[:h, :h].reshape(h // 2, 2, h // 2, 2).mean(axis=(1, 3))


def render_background(name: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """One (size, size, 3) float background: beach, night, grass or studio.

    Examples
    --------
    >>> render_background("night", 8, np.random.default_rng(0)).shape
    (8, 8, 3)
    """
    if not isinstance(name, str) or name not in BACKGROUNDS:
        raise ValueError(f"name must be one of {sorted(BACKGROUNDS)}, got {name!r}")
    size = check_int(size, "size", low=4)
    rng = check_random_state(rng, "rng")
    bg = np.empty((size, size, 3), np.float32)
    if name == "beach":
        bg[: size // 2] = (0.55, 0.75, 0.95)
        bg[size // 2:] = (0.9, 0.8, 0.55)
    elif name == "night":
        bg[:] = (0.05, 0.05, 0.18)
        stars = rng.random((size, size)) < 0.04
        bg[stars] = 0.9
    elif name == "grass":
        bg[:] = (0.2, 0.45, 0.15)
    else:
        bg[:] = 0.45
    bg += rng.normal(0, 0.03, bg.shape).astype(np.float32)
    return np.clip(bg, 0, 1)


def render_clip(image: ArrayLike, colour: str, direction: str, speed: str, background: str, *,
                n_frames: int = 8, size: int = 32, seed: int | np.random.Generator = 0) -> np.ndarray:
    """Render one clip: the tinted item moving over the background, (n_frames, size, size, 3) uint8.

    The start position is drawn so the whole path stays in frame; the set of positions a
    clip visits is equally likely in both directions of an axis, so only the *order* of the
    frames tells left from right.

    Examples
    --------
    >>> clip = render_clip(np.full((28, 28), 255, np.uint8), "red", "right", "fast", "studio", n_frames=4)
    >>> clip.shape, clip.dtype.name
    ((4, 32, 32, 3), 'uint8')
    """
    img = as_array(image, "image", ndim=2)
    for value, name, choices in ((colour, "colour", COLOURS), (direction, "direction", DIRECTIONS),
                                 (speed, "speed", SPEEDS), (background, "background", BACKGROUNDS)):
        if not isinstance(value, str) or value not in choices:
            raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    n_frames = check_int(n_frames, "n_frames", low=2)
    size = check_int(size, "size", low=8)
    rng = check_random_state(seed)
    mask = _item_mask(img, size)
    m = mask.shape[0]
    if m >= size:
        raise ValueError(f"size must exceed the shrunk item ({m} px); got {size}")
    room = size - m
    (dy, dx), step = DIRECTIONS[direction][0], SPEEDS[speed][0]
    travel = min(step * (n_frames - 1), room)
    along = rng.uniform(0, room - travel)
    across = rng.uniform(0, room)
    t = np.linspace(0, travel, n_frames)
    if dy:
        ys = along + (t if dy > 0 else travel - t)
        xs = np.full(n_frames, across)
    else:
        xs = along + (t if dx > 0 else travel - t)
        ys = np.full(n_frames, across)
    bg = render_background(background, size, rng)
    tint = np.asarray(COLOURS[colour][0], np.float32)
    out = np.empty((n_frames, size, size, 3), np.uint8)
    for f in range(n_frames):
        frame = bg.copy()
        y, x = int(round(ys[f])), int(round(xs[f]))
        a = mask[:, :, None]
        frame[y:y + m, x:x + m] = frame[y:y + m, x:x + m] * (1 - a) + tint * a
        out[f] = np.clip(frame * 255, 0, 255).astype(np.uint8)
    return out


def _noisy(title: str, rng: np.random.Generator) -> str:
    """Casing, accents and punctuation as uploaders type them."""
    r = rng.random()
    if r < 0.3:
        title = title.upper()
    elif r < 0.6:
        title = title.title()
    title = title.replace("e", "é", 1) if rng.random() < 0.4 else title
    return title + rng.choice(["!!!", "...", " :)", "?!", " (new)"])


def _check_attrs(attrs: object) -> dict:
    """A video's planted attributes: a class id in range and names from the known vocabularies."""
    keys = ("label", "colour", "direction", "speed", "background", "topic")
    if not isinstance(attrs, dict) or not set(keys) <= set(attrs):
        raise ValueError("attrs must be a dict with label, colour, direction, speed, background and topic")
    out = dict(attrs)
    out["label"] = check_int(attrs["label"], "attrs['label']", low=0, high=len(CLASS_WORDS) - 1)
    for key, vocab in (("colour", COLOURS), ("direction", DIRECTIONS), ("speed", SPEEDS),
                       ("background", BACKGROUNDS), ("topic", TOPICS)):
        if not isinstance(attrs[key], str) or attrs[key] not in vocab:
            raise ValueError(f"attrs['{key}'] must be one of {sorted(vocab)}, got {attrs[key]!r}")
    return out


def describe_upload(attrs: dict, rng: np.random.Generator, habits: UploadHabits = UploadHabits()) -> tuple[str, list[str], str]:
    """Title, tags and description an uploader writes for a video with planted ``attrs``.

    ``attrs`` holds ``label``, ``colour``, ``direction``, ``speed``, ``background`` and
    ``topic``. The failure modes and their rates come from ``habits``.

    Examples
    --------
    >>> a = dict(label=7, colour="red", direction="left", speed="fast", background="beach", topic="review")
    >>> title, tags, desc = describe_upload(a, np.random.default_rng(1))
    >>> isinstance(title, str) and isinstance(tags, list)
    True
    """
    if not isinstance(habits, UploadHabits):
        raise TypeError(f"habits must be an UploadHabits, got {type(habits).__name__}")
    attrs = _check_attrs(attrs)
    rng = check_random_state(rng, "rng")
    word = CLASS_WORDS[int(attrs["label"])][0]
    colour, topic = attrs["colour"], attrs["topic"]
    if rng.random() < habits.vague_title:
        title = str(rng.choice(CLICKBAIT))
    else:
        title = f"{word} {topic}" if rng.random() < habits.title_omits_colour else f"{colour} {word} {topic}"
        if rng.random() < habits.noisy_spelling:
            title = _noisy(title, rng)
    tags: list[str] = []
    if rng.random() >= habits.missing_tags:
        pool = [word, CLASS_WORDS[int(attrs["label"])][1], colour, topic.split()[0], "fashion"]
        tags = list(rng.choice(pool, size=rng.integers(2, 5), replace=False))
        if rng.random() < habits.wrong_tag:
            other = (int(attrs["label"]) + rng.integers(1, 10)) % 10
            tags[0] = CLASS_WORDS[other][0]
    parts = []
    if rng.random() >= habits.no_description:
        parts.append(f"filmed at the {attrs['background']}" if attrs["background"] != "studio" else "filmed in the studio")
        if rng.random() < 0.5:
            parts.append(f"my {colour} {word}")
        if rng.random() < habits.mentions_motion:
            parts.append(f"it is {DIRECTIONS[attrs['direction']][1]} {SPEEDS[attrs['speed']][1]}")
    parts.append(str(rng.choice(BOILERPLATE)))
    return title, tags, ". ".join(parts)


def make_query(attrs: dict, rng: np.random.Generator, *, paraphrase: bool = False, order_only: float = 0.3) -> str:
    """What a searcher types for a video with planted ``attrs`` (never the uploader's title).

    The product is always named; colour, motion, speed, background and topic each appear
    with their own probability. ``paraphrase`` uses only words that no upload and no
    training query contains; ``order_only`` is the share of motion phrases that differ from
    the opposite direction's only by word order ("from left to right").

    Examples
    --------
    >>> a = dict(label=7, colour="red", direction="left", speed="fast", background="beach", topic="review")
    >>> make_query(a, np.random.default_rng(0), paraphrase=True)
    'crimson running shoes drifting westward seaside honest opinion'
    """
    rng = check_random_state(rng, "rng")
    check_float(order_only, "order_only", low=0.0, high=1.0)
    attrs = _check_attrs(attrs)
    return _compose(attrs, rng, paraphrase, order_only)[0]


def compose_query(attrs: dict, rng: np.random.Generator, *, paraphrase: bool = False,
                  order_only: float = 0.3) -> tuple[str, dict]:
    """:func:`make_query`'s query together with the facts it names.

    The facts are the planted attributes the query states (``label`` always; ``colour``,
    ``direction``, ``speed``, ``background`` and ``topic`` when their phrase is in the query).
    Every video whose attributes match all of them is relevant to the query
    (:meth:`VideoCorpus.relevant`). The same ``rng`` state gives :func:`make_query`'s text.

    Examples
    --------
    >>> a = dict(label=7, colour="red", direction="left", speed="fast", background="beach", topic="review")
    >>> compose_query(a, np.random.default_rng(0), paraphrase=True)[1]
    {'label': 7, 'colour': 'red', 'direction': 'left', 'background': 'beach', 'topic': 'review'}
    """
    rng = check_random_state(rng, "rng")
    check_float(order_only, "order_only", low=0.0, high=1.0)
    return _compose(_check_attrs(attrs), rng, paraphrase, order_only)


def _compose(attrs: dict, rng: np.random.Generator, paraphrase: bool, order_only: float) -> tuple[str, dict]:
    words = CLASS_WORDS[int(attrs["label"])]
    d = DIRECTIONS[attrs["direction"]]
    facts: dict = {"label": int(attrs["label"])}
    parts = [] if paraphrase else [str(rng.choice(FILLERS))]
    if paraphrase or rng.random() < 0.8:
        parts.append(COLOURS[attrs["colour"]][1] if paraphrase else attrs["colour"])
        facts["colour"] = attrs["colour"]
    parts.append(words[2] if paraphrase else str(rng.choice(words[:2])))
    if paraphrase or rng.random() < 0.6:
        parts.append(d[3] if paraphrase else (d[2] if rng.random() < order_only else d[1]))
        facts["direction"] = attrs["direction"]
        if rng.random() < 0.4:
            parts.append(SPEEDS[attrs["speed"]][2] if paraphrase else SPEEDS[attrs["speed"]][1])
            facts["speed"] = attrs["speed"]
    if rng.random() < 0.5:
        bg = attrs["background"]
        parts.append(BACKGROUNDS[bg] if paraphrase else ("in the studio" if bg == "studio" else f"at the {bg}"))
        facts["background"] = bg
    if rng.random() < 0.3:
        parts.append(TOPICS[attrs["topic"]] if paraphrase else attrs["topic"])
        facts["topic"] = attrs["topic"]
    return " ".join(p for p in parts if p), facts


def reverse_query(query: str, direction: str) -> str:
    """The query for the same video played backwards: its motion phrase swapped for the
    opposite direction's; ``""`` if the query says nothing about motion.

    Examples
    --------
    >>> reverse_query("red bag from left to right", "right")
    'red bag from right to left'
    >>> reverse_query("red bag", "right")
    ''
    """
    if not isinstance(query, str):
        raise TypeError(f"query must be a str, got {type(query).__name__}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {sorted(DIRECTIONS)}, got {direction!r}")
    for mine, theirs in zip(DIRECTIONS[direction][1:], DIRECTIONS[OPPOSITE[direction]][1:], strict=True):
        if mine in query:
            return query.replace(mine, theirs)
    return ""


def make_video_corpus(images: ArrayLike, labels: ArrayLike, split_sizes: dict[str, int], *,
                      queries_per_train_video: int = 3, n_frames: int = 8, size: int = 32,
                      habits: UploadHabits = UploadHabits(), seed: int = 0) -> VideoCorpus:
    """Render ``sum(split_sizes.values())`` clips and their uploads and queries.

    Parameters
    ----------
    images, labels : Fashion-MNIST images (n, 28, 28) and class ids; video i shows image i.
    split_sizes : videos per split, e.g. ``{"train": 2000, "validation": 400, "test": 800}``.
        Training videos get ``queries_per_train_video`` literal queries each; validation and
        test videos one literal and one paraphrased query.

    Examples
    --------
    >>> x = np.random.default_rng(0).integers(0, 255, (6, 28, 28))
    >>> c = make_video_corpus(x, np.arange(6) % 10, {"train": 4, "test": 2}, n_frames=4)
    >>> c.clips.shape, len(c.meta), c.pairs.groupby("split").size().to_dict()
    ((6, 4, 32, 32, 3), 6, {'test': 4, 'train': 12})
    """
    x = as_array(images, "images", ndim=3)
    y = as_array(labels, "labels", ndim=1, dtype="int")
    if len(x) != len(y):
        raise ValueError(f"images ({len(x)}) and labels ({len(y)}) must have the same length")
    if ((y < 0) | (y > 9)).any():
        raise ValueError("labels must be Fashion-MNIST class ids in [0, 9]")
    if not isinstance(split_sizes, dict) or not split_sizes:
        raise TypeError("split_sizes must be a dict like {'train': 2000, 'test': 800}")
    sizes = {str(k): check_int(v, f"split_sizes[{k!r}]", low=1) for k, v in split_sizes.items()}
    n = sum(sizes.values())
    if n > len(x):
        raise ValueError(f"split_sizes asks for {n} videos but only {len(x)} images were given")
    qpt = check_int(queries_per_train_video, "queries_per_train_video", low=1)
    n_frames = check_int(n_frames, "n_frames", low=2)
    if not isinstance(habits, UploadHabits):
        raise TypeError(f"habits must be an UploadHabits, got {type(habits).__name__}")
    rng = check_random_state(seed)
    split = np.concatenate([[s] * c for s, c in sizes.items()])
    rows, pairs, clips = [], [], np.empty((n, n_frames, size, size, 3), np.uint8)
    for i in range(n):
        attrs = {"label": int(y[i]), "colour": str(rng.choice(list(COLOURS))),
                 "direction": str(rng.choice(list(DIRECTIONS))), "speed": str(rng.choice(list(SPEEDS))),
                 "background": str(rng.choice(list(BACKGROUNDS))), "topic": str(rng.choice(list(TOPICS)))}
        clips[i] = render_clip(x[i], attrs["colour"], attrs["direction"], attrs["speed"], attrs["background"],
                               n_frames=n_frames, size=size, seed=rng)
        title, tags, desc = describe_upload(attrs, rng, habits)
        name = f"{i:05d}.mp4"
        rows.append({"video": name, "split": str(split[i]), **attrs, "title": title, "tags": tags, "description": desc})
        kinds = ["literal"] * qpt if split[i] == "train" else ["literal", "paraphrase"]
        for kind in kinds:
            q, facts = _compose(attrs, rng, kind == "paraphrase", 0.3)
            while normalize_text(q) == normalize_text(title):   # a query never copies the title
                q, facts = _compose(attrs, rng, kind == "paraphrase", 0.3)
            pairs.append({"row": i, "video": name, "query": q, "kind": kind, "split": str(split[i]),
                          "reversed": reverse_query(q, attrs["direction"]), "facts": facts})
    return VideoCorpus(clips, pd.DataFrame(rows), pd.DataFrame(pairs))


def inject_wrong_tags(tags: list, labels: ArrayLike, rate: float, seed: int = 0) -> tuple[list[list[str]], np.ndarray]:
    """Tags with wrong product names injected at a controlled rate, as a bad auto-tagger writes them.

    Each video that has tags is hit with probability ``rate``: every tag naming its product is
    replaced by the uploader's word for another product, drawn at random (a video with no
    such tag gets the wrong word as its first tag). Returns the new tag lists and the mask of
    videos hit.

    Examples
    --------
    >>> new, hit = inject_wrong_tags([["bag", "red"], []], [8, 0], rate=1.0)
    >>> hit.tolist(), new[1], new[0][1], new[0][0] != "bag"
    ([True, False], [], 'red', True)
    """
    y = as_array(labels, "labels", ndim=1, dtype="int")
    if isinstance(tags, str | bytes) or not hasattr(tags, "__len__") or len(tags) != len(y):
        raise ValueError(f"tags must be a list with one list of tags per video ({len(y)})")
    if ((y < 0) | (y >= len(CLASS_WORDS))).any():
        raise ValueError(f"labels must be class ids in [0, {len(CLASS_WORDS) - 1}]")
    rate = check_float(rate, "rate", low=0.0, high=1.0)
    rng = check_random_state(seed)
    out, hit = [], np.zeros(len(y), bool)
    for i, (t, label) in enumerate(zip(tags, y, strict=True)):
        t = [str(w) for w in t]
        if t and rng.random() < rate:
            wrong = CLASS_WORDS[(int(label) + int(rng.integers(1, len(CLASS_WORDS)))) % len(CLASS_WORDS)][0]
            own = set(CLASS_WORDS[int(label)][:2])
            t = [wrong if w in own else w for w in t] if own & set(t) else [wrong, *t[1:]]
            hit[i] = True
        out.append(t)
    return out, hit
