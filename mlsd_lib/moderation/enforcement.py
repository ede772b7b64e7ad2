"""Acting on harm scores: remove, demote and review (source ch. 5, "Serving", Fig. 5.19).

The detection service's probabilities go to an :class:`EnforcementPolicy`: above a class's
*remove* threshold the post is taken down and the author told which class; between the
*demote* and *remove* thresholds it is shown less and queued for human review, which has a
daily budget (:class:`ReviewQueue`). :func:`simulate_platform` replays a day of posts through
the policy and returns the source's online metrics. :class:`PostScorer` serves one raw post
and refuses malformed input by name, or applies a documented fallback and says so.

Introduced in chapter 5, "Serving".
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mlsd_lib._validation import as_array, check_choice, check_float, check_int, check_names
from mlsd_lib.moderation.simulator import DEVICES, GENDERS, HARM_CLASSES, Posts, sentence_vocabulary

__all__ = ["EnforcementPolicy", "PostScorer", "ReviewQueue", "ScoredPost", "simulate_platform"]

ACTIONS = ("allow", "demote", "remove")
MAX_TEXT_CHARS = 2_000


class EnforcementPolicy:
    """Per-class remove and demote thresholds.

    Examples
    --------
    >>> pol = EnforcementPolicy([0.9, 0.8], [0.5, 0.4], ["violence", "hate"])
    >>> pol.decide([[0.95, 0.1], [0.6, 0.2], [0.1, 0.1]])["action"].tolist()
    ['remove', 'demote', 'allow']
    """

    def __init__(self, remove, demote, class_names=HARM_CLASSES) -> None:
        self.remove = as_array(remove, "remove", ndim=1)
        self.demote = as_array(demote, "demote", ndim=1)
        self.class_names = list(check_names(class_names, "class_names", allow_empty=False))
        if not len(self.remove) == len(self.demote) == len(self.class_names):
            raise ValueError("remove, demote and class_names need one entry per class")
        if np.any(self.demote > self.remove):
            raise ValueError("demote thresholds must not exceed the remove thresholds")

    def decide(self, proba) -> pd.DataFrame:
        """Action, the classes that triggered it and the notice text, one row per post."""
        P = as_array(proba, "proba", ndim=2)
        if P.shape[1] != len(self.class_names):
            raise ValueError(f"proba has {P.shape[1]} columns; the policy has {len(self.class_names)} classes")
        rem, dem = P >= self.remove, P >= self.demote
        action = np.where(rem.any(1), "remove", np.where(dem.any(1), "demote", "allow"))
        reasons = []
        for i in range(len(P)):
            hit = rem[i] if rem[i].any() else dem[i]
            order = [j for j in np.argsort(-P[i]) if hit[j]]
            reasons.append(", ".join(f"{self.class_names[j]} ({P[i, j]:.0%})" for j in order))
        return pd.DataFrame({"action": action, "reason": reasons, "top_class": np.asarray(self.class_names)[P.argmax(1)],
                             "score": P.max(1)})


@dataclass
class ReviewQueue:
    """Posts waiting for human review, most urgent first, drained at ``daily_budget`` a day.

    Examples
    --------
    >>> q = ReviewQueue(daily_budget=2)
    >>> q.push([10, 11, 12], priority=[0.2, 0.9, 0.5])
    >>> q.review_day(), len(q)
    ([11, 12], 1)
    """

    daily_budget: int
    _items: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.daily_budget = check_int(self.daily_budget, "daily_budget", low=0)

    def push(self, post_ids, priority) -> None:
        """Queue posts with a priority (higher is reviewed first)."""
        ids = as_array(post_ids, "post_ids", ndim=1, dtype="ids", allow_empty=True)
        pr = as_array(priority, "priority", ndim=1, allow_empty=True)
        if len(ids) != len(pr):
            raise ValueError("post_ids and priority must have the same length")
        self._items += list(zip(pr.tolist(), ids.tolist(), strict=True))
        self._items.sort(key=lambda t: -t[0])

    def review_day(self) -> list[int]:
        """The post ids the reviewers label today (removed from the queue)."""
        today, self._items = self._items[:self.daily_budget], self._items[self.daily_budget:]
        return [i for _, i in today]

    def __len__(self) -> int:
        return len(self._items)


def simulate_platform(posts: Posts, proba, policy: EnforcementPolicy, *, review_budget: int,
                      realtime_classes=("violence",), batch_exposure: float = 0.1,
                      demoted_exposure: float = 0.3, appeal_rate: float = 0.5, priority: str = "score") -> dict:
    """Replay posts through the policy and measure the source's online metrics.

    Real-time classes are removed before anyone sees them; batch-path removals come after
    ``batch_exposure`` of the reach. Demoted posts get ``demoted_exposure`` of their reach
    until reviewed; the review queue labels ``review_budget`` posts, most urgent first
    (``priority="score"``: the highest harm score; ``"reach"``: score times the impressions
    in the first hour, to protect the most people), which
    are then removed (harmful) or restored (benign). A wrongly removed post is appealed with
    probability ``appeal_rate``, and every appeal of a benign post is upheld.

    Returns a dict: ``prevalence``, ``harmful_impressions``, ``valid_appeals``,
    ``proactive_rate``, ``users_exposed`` (distinct viewers of harmful posts), ``reports`` (per
    class), ``removed``, ``demoted``, ``reviewed`` (ids).

    Examples
    --------
    >>> from mlsd_lib.moderation.simulator import simulate_posts
    >>> p = simulate_posts(300, n_images=50, seed=1)
    >>> pol = EnforcementPolicy([0.9] * 5, [0.5] * 5)
    >>> m = simulate_platform(p, p.hand_labels * 0.95, pol, review_budget=10)
    >>> m["prevalence"], m["valid_appeals"]
    (0.0, 0.0)
    """
    if not isinstance(posts, Posts):
        raise TypeError(f"posts must be Posts, got {type(posts).__name__}")
    P = as_array(proba, "proba", ndim=2)
    if len(P) != len(posts):
        raise ValueError(f"proba has {len(P)} rows for {len(posts)} posts")
    review_budget = check_int(review_budget, "review_budget", low=0)
    check_choice(priority, "priority", ("score", "reach"))
    for name, v in (("batch_exposure", batch_exposure), ("demoted_exposure", demoted_exposure),
                    ("appeal_rate", appeal_rate)):
        check_float(v, name, low=0, high=1)
    if not isinstance(policy, EnforcementPolicy):
        raise TypeError(f"policy must be an EnforcementPolicy, got {type(policy).__name__}")
    realtime_classes = check_names(realtime_classes, "realtime_classes", tuple(policy.class_names))
    d = policy.decide(P)
    harmful = posts.hand_labels.any(1)
    reach = posts.frame["impressions"].to_numpy(float)
    removed = (d["action"] == "remove").to_numpy()
    demoted = (d["action"] == "demote").to_numpy()
    queue = ReviewQueue(review_budget)
    urgency = d["score"].to_numpy() * (posts.frame["early_impressions"].to_numpy() if priority == "reach" else 1.0)
    queue.push(np.flatnonzero(demoted), urgency[demoted])
    reviewed = np.asarray(queue.review_day(), dtype=int)
    removed_by_review = np.zeros(len(P), bool)
    removed_by_review[reviewed[harmful[reviewed]]] = True
    realtime = np.isin(d["top_class"].to_numpy(), list(realtime_classes))
    shown = np.where(removed, np.where(realtime, 0.0, batch_exposure), np.where(demoted, demoted_exposure, 1.0))
    shown = np.where(removed_by_review, np.minimum(shown, batch_exposure), shown)
    prevented = harmful & (removed | removed_by_review)
    detected = harmful & (removed | demoted)
    user_reported = harmful & ~detected & (posts.frame["reports"].to_numpy() > 0)
    wrongly_removed = removed & ~harmful
    reports = {c: int((user_reported & (posts.hand_labels[:, j] == 1)).sum()) for j, c in enumerate(HARM_CLASSES)}
    n_removed = int(removed.sum() + removed_by_review.sum())
    return {
        "prevalence": float((harmful & ~prevented).sum() / len(P)),
        "harmful_impressions": float((reach * shown)[harmful].sum()),
        "users_exposed": float((posts.frame["viewers"].to_numpy(float) * shown)[harmful].sum()),
        "valid_appeals": float(appeal_rate * wrongly_removed.sum() / max(n_removed, 1)),
        "proactive_rate": float(detected.sum() / max(detected.sum() + user_reported.sum(), 1)),
        "reports": reports, "removed": np.flatnonzero(removed | removed_by_review), "demoted": np.flatnonzero(demoted),
        "reviewed": reviewed,
    }


@dataclass
class ScoredPost:
    """One served decision: probabilities, action, notice text and any fallbacks applied."""

    proba: dict[str, float]
    action: str
    reason: str
    notes: list[str]


_AUTHOR_DEFAULTS = {"violations": 0, "author_reports": 0, "profane_rate": 0.0, "age": 30, "gender": 0, "city": 0,
                    "country": 0, "account_age_days": 365, "followers": 50, "following": 80}
_POST_DEFAULTS = {"hour": 12, "device": 0, "likes": 0, "shares": 0, "early_reports": 0}
# Counts and codes; city and country are not here: an unknown one falls back (see PostScorer).
_WHOLE_FIELDS = {"violations", "author_reports", "gender", "account_age_days", "followers", "following", "hour",
                 "device", "likes", "shares", "early_reports"}


class PostScorer:
    """Serve one raw post (a dict) through featuriser, classifier and policy.

    Required: ``text`` (a string) and/or ``image_id`` (a picture of the pool). Optional: the
    author and context fields of :func:`simulate_posts` and ``comments`` (a list of strings).
    Wrong types and impossible values raise ``TypeError``/``ValueError`` naming the field.
    Documented fallbacks, each reported in :attr:`ScoredPost.notes`: text longer than
    ``MAX_TEXT_CHARS`` is cut; a missing field takes a neutral default; an unknown city maps to
    the most common city, an unknown country to country 0. A post with no text and no image is refused, never allowed.
    """

    def __init__(self, featurizer, classifier, policy: EnforcementPolicy) -> None:
        self.featurizer, self.classifier, self.policy = featurizer, classifier, policy
        self._vocab = {s: i for i, s in enumerate(sentence_vocabulary())}

    def _clean(self, post) -> tuple[dict, list[str]]:
        if not isinstance(post, dict):
            raise TypeError(f"post must be a dict of fields, got {type(post).__name__}")
        notes = []
        text, image = post.get("text"), post.get("image_id")
        if text is not None and not isinstance(text, str):
            raise TypeError(f"post['text'] must be a string or None, got {type(text).__name__}")
        if not text and image is None:
            raise ValueError("a post needs text or an image (post['text'] and post['image_id'] are both empty)")
        if text and len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
            notes.append(f"text cut to its first {MAX_TEXT_CHARS} characters")
        if image is not None:
            n_img = len(self.featurizer.image_features)
            if isinstance(image, bool) or not isinstance(image, numbers.Integral) or not 0 <= image < n_img:
                raise ValueError(f"post['image_id'] must be an image id in 0..{n_img - 1} or None, got {image!r}")
        comments = post.get("comments", [])
        if not isinstance(comments, list | tuple) or not all(isinstance(c, str) for c in comments):
            raise TypeError("post['comments'] must be a list of strings")
        clean = {"text": text or "", "image_id": -1 if image is None else int(image), "comments": list(comments)}
        for key, default in {**_AUTHOR_DEFAULTS, **_POST_DEFAULTS}.items():
            v = post.get(key)
            if v is None:
                if key in ("violations", "account_age_days", "followers"):
                    notes.append(f"{key} missing: assumed {default}")
                v = default
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
                raise TypeError(f"post[{key!r}] must be a finite number, got {v!r}")
            if v < 0:
                raise ValueError(f"post[{key!r}] must be >= 0, got {v}")
            if key in _WHOLE_FIELDS and v != int(v):
                raise ValueError(f"post[{key!r}] must be a whole number, got {v}")
            clean[key] = v
        for key, high in (("hour", 23), ("device", len(DEVICES) - 1), ("gender", len(GENDERS) - 1),
                          ("profane_rate", 1)):
            if not 0 <= clean[key] <= high:
                raise ValueError(f"post[{key!r}] must be in 0..{high}, got {clean[key]}")
        if clean["city"] >= self.featurizer.n_cities_ or clean["city"] != int(clean["city"]):
            notes.append(f"unknown city {clean['city']!r}: scored as the most common city")
            clean["city"] = 0
        if clean["country"] >= self.featurizer.n_countries_ or clean["country"] != int(clean["country"]):
            notes.append(f"unknown country {clean['country']!r}: scored as country 0")
            clean["country"] = 0
        return clean, notes

    def features(self, post: dict):
        """(FusedFeatures of one row, notes) for a raw post."""
        # looked up at call time, so a test can stand in for the sentence encoder
        from mlsd_lib.moderation.features import encode_sentences

        clean, notes = self._clean(post)
        tid = self._vocab.get(clean["text"], -1)
        frame = pd.DataFrame([{k: v for k, v in clean.items() if k not in ("text", "image_id", "comments")}])
        frame["comments"] = len(clean["comments"])
        one = Posts(frame, np.array([tid]), np.array([clean["image_id"]]), [[]],
                    np.zeros((1, len(HARM_CLASSES)), int), np.zeros((1, len(HARM_CLASSES)), int))
        f = self.featurizer.transform(one)
        if clean["text"] and tid < 0:
            f.blocks["text"][0] = encode_sentences([clean["text"]])[0]
        if clean["comments"]:
            f.blocks["comments"][0] = encode_sentences(clean["comments"]).mean(0)
        return f, notes

    def score(self, post: dict) -> ScoredPost:
        """Probabilities per class, the action and the notice for one raw post."""
        f, notes = self.features(post)
        p = self.classifier.predict_proba(f)
        d = self.policy.decide(p).iloc[0]
        return ScoredPost(dict(zip(self.policy.class_names, p[0].round(4).tolist(), strict=True)), d["action"],
                          d["reason"], notes)
