"""A simulated social platform with planted, known harm (source ch. 5, Tables 5.1-5.3).

No labelled multimodal harmful-content data can ship offline, so posts are generated with
ground truth planted in them. Each post has templated text from a fixed vocabulary, a real
Fashion-MNIST picture (its class stands in for what a photo shows: a *sandal* for nudity, a
*bag* for a weapon), an author with a latent risk that shows in their history, reactions
with comments, and context. Planted on purpose:

- **memes**: four harmless phrases that become hate speech only beside one particular
  picture class each (``MEME_PAIRS``); either half alone is benign;
- **a data-poor class**: ``self_harm`` is about ten times rarer than the others;
- **ambiguous posts**: gig and sports slang ("I'm going to kill it tonight") that is a real
  threat half the time; only the comments and early reports tell which;
- **spam farms**: a few cities, of hundreds, post most of the spam;
- **country-level spam**: outside the farms too, spam is more common in some countries than
  in others (a fixed factor per country, log-normal with spread ``COUNTRY_SPAM_SIGMA``, mean 1),
  so a city that has few posts of its own still says something through its country;
- **two label sets**: hand labels (the truth) and natural labels from user reports, which
  miss rarely reported classes, arrive late, misname the class and hit benign posts too;
- **held-out content**: every template has a paraphrase (``phrasing="held-out"``), so test
  posts can use wordings training never saw; ``image_pool`` and ``first_author`` keep their
  pictures and authors apart as well.

No side signal is the label. Benign posts draw concerned comments, early reports and few likes
too: heated but harmless debates ("That referee was a disgrace") and sad or alarming news
("Our old dog passed away today") draw them about as often as harmful posts, and boasts and
harmless meme look-alikes sometimes. The rates, per kind of post (comments: the chance that one
comment is a concerned one; reports and likes: per early impression):

========================  ==================  ===============  ==========
kind of post              concerned comment   early report     like
========================  ==================  ===============  ==========
harmful (any class)       0.45                class rate [1]_  0.02
real threat (ambiguous)   0.60                0.010            0.02
debate, news (benign)     0.40                0.003            0.025
boast (ambiguous, benign) 0.15                0.001            0.05
meme look-alike (benign)  0.15                0.001            0.05
promotional line (benign) 0.20                0.001            0.05
other benign              0.03                0.00015          0.05
========================  ==================  ===============  ==========

.. [1] violence 0.010, nudity 0.008, hate 0.008, self-harm 0.0008, spam 0.004 (``_REPORT_RATE``);
   shares are a fifth of the like rate throughout.

Introduced in chapter 5, "Data preparation".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlsd_lib._validation import (
    as_array,
    check_choice,
    check_float,
    check_int,
    check_random_state,
    check_selection,
)

__all__ = ["Posts", "comment_vocabulary", "country_spam_factor", "meme_confounders", "sentence_vocabulary",
           "simulate_posts"]

HARM_CLASSES = ("violence", "nudity", "hate", "self_harm", "spam")
DATA_POOR = "self_harm"
# Fashion-MNIST class ids standing in for what a photo shows.
NUDITY_IMAGE, WEAPON_IMAGE = 5, 8              # "Sandal", "Bag"
# Meme phrase i is hate speech only beside a picture of class MEME_PAIRS[i].
MEME_PHRASES = ("Look who just moved in next door", "Guess who is coming to dinner",
                "This is what we are dealing with now", "Finally some peace and quiet")
# The same four memes in held-out wording (a test post's phrase training never saw).
MEME_PARAPHRASES = ("Look who moved in across the street", "Guess who is joining us for dinner",
                    "This is what we have to put up with now", "At last some peace and quiet")
MEME_PAIRS = (0, 1, 2, 3)                      # T-shirt/top, Trouser, Pullover, Dress
PHRASINGS = ("seen", "held-out")
DEVICES = ("phone", "desktop", "tablet")
GENDERS = ("female", "male", "other")
COUNTRY_SPAM_SIGMA = 0.6                       # spread (log scale) of the per-country spam factor


def _expand(template: str, **slots: tuple[str, ...]) -> list[str]:
    keys = list(slots)
    return [template.format(**dict(zip(keys, combo, strict=True)))
            for combo in itertools.product(*(slots[k] for k in keys))]


def _vocabulary() -> dict[str, list[str]]:
    """Every sentence a post or comment can hold, by kind; fixed, so it embeds once."""
    who = ("you", "that guy", "my neighbour", "the referee", "anyone who shows up")
    when = ("tonight", "tomorrow", "after school", "this weekend")
    groups = ("the Zorbians", "people from Eastvale", "the blue-haired crowd", "those Marsh folk",
              "people who speak Veltish")
    return {
        "violence": _expand("I am going to {v} {w} {t}", v=("hurt", "beat up", "stab", "shoot"), w=who, t=when)
        + _expand("{w} will bleed {t}, I promise", w=who, t=when),
        "hate": _expand("{g} are {i}", g=groups, i=("vermin", "parasites", "subhuman", "a disease", "filth"))
        + _expand("{g} should all be {f}", g=groups, f=("thrown out", "locked up", "wiped out")),
        "self_harm": _expand("{s} {t}", s=("I want to hurt myself", "I do not want to be here anymore",
                                            "Nobody would notice if I disappeared", "I am cutting again"),
                             t=("tonight", "", "and I am tired of pretending", "it is all too much")),
        "spam": _expand("{a} {p} at {u}", a=("Get cheap", "Buy", "Win free", "Claim your"),
                        p=("followers", "watches", "crypto", "gift cards"),
                        u=("bit.ly/x9k", "dealz.example", "free-now.example")),
        "suggestive": _expand("DM me for {a} {p}", a=("spicy", "private", "uncensored"), p=("pics", "photos", "videos")),
        "ambiguous": _expand("I am going to kill it {w} tonight", w=("on stage", "at the gig", "in the final"))
        + _expand("We are going to destroy them {w}", w=("on Saturday", "in the derby", "next match"))
        + _expand("{w} is dead meat {t}", w=("He", "You", "That team"), t=("tomorrow", "after the match")),
        "meme": list(MEME_PHRASES),
        "sad": _expand("{a} {b}", a=("Today was a really hard day", "I am so tired of everything",
                                     "Feeling empty again", "Everything feels heavy lately"),
                       b=("", "...", "honestly", "and I do not know why")),
        "promo": _expand("{a} {b}", a=("Check out my new page", "Link in bio", "New post up, go see it",
                                       "Follow for more"), b=("", "!", "today", "friends")),
        "debate": _expand("{x} {y}", x=("That referee was a disgrace", "This new tax is a scandal",
                                         "The council has lost its mind", "Worst match I have ever seen"),
                          y=("", "honestly", "!!", "and I am furious")),
        "news": _expand("{x} {y}", x=("Terrible crash on the motorway this morning", "Our old dog passed away today",
                                       "Storm damage all over town", "A fire broke out downtown"),
                        y=("", "stay safe", "so sad", "thoughts with everyone")),
        "benign": _expand("{a} {b} {c}", a=("Just had", "Finally tried", "Loving", "Cannot stop thinking about"),
                          b=("a great coffee", "the new pasta place", "my morning run", "this weather",
                              "the concert", "my new jacket", "our trip to the coast", "this book"),
                          c=("today", "with friends", "this morning", "again", "so much"))
        + _expand("{a} {b}", a=("What is a good", "Anyone know a cheap", "Looking for a"),
                  b=("restaurant in town", "dentist nearby", "running shoe", "laptop for school", "dog walker")),
    }


def _held_out_vocabulary() -> dict[str, list[str]]:
    """A paraphrase of every template of :func:`_vocabulary`, kind by kind (same kinds, new wording)."""
    who = ("your brother", "the new kid", "my boss", "the coach", "whoever comes")
    when = ("tonight", "tomorrow", "after work", "on Friday")
    groups = ("the Zorbians", "people from Eastvale", "the blue-haired crowd", "those Marsh folk",
              "people who speak Veltish")
    return {
        "violence": _expand("{w} is going to get {v} {t}", v=("hurt badly", "beaten", "stabbed", "shot"), w=who, t=when)
        + _expand("I will make {w} bleed {t}", w=who, t=when),
        "hate": _expand("{g} are nothing but {i}", g=groups, i=("rats", "leeches", "animals", "a plague", "trash"))
        + _expand("Get {g} out of our {p}", g=groups, p=("town", "country", "schools")),
        "self_harm": _expand("{s} {t}", s=("I keep thinking about ending it", "I do not see a way out",
                                            "No one would miss me", "I hurt myself again"),
                             t=("tonight", "", "and I cannot pretend anymore", "it is too much")),
        "spam": _expand("{a} {p} now at {u}", a=("Cheap", "Free", "Discount", "Instant"),
                        p=("likes", "sneakers", "bitcoin", "vouchers"),
                        u=("getfree.example", "bit.ly/q7z", "win-big.example")),
        "suggestive": _expand("Message me for {a} {p}", a=("naughty", "exclusive", "uncut"), p=("pics", "clips", "content")),
        "ambiguous": _expand("I will murder this {w} tonight", w=("song", "set", "solo"))
        + _expand("We will crush them {w}", w=("on Sunday", "in the cup", "next game"))
        + _expand("{w} is finished {t}", w=("She", "They", "Their keeper"), t=("tomorrow", "after the game")),
        "meme": list(MEME_PARAPHRASES),
        "sad": _expand("{a} {b}", a=("Rough day today", "I feel so drained", "Nothing feels right lately",
                                     "It has been a heavy week"), b=("", "...", "to be honest", "no idea why")),
        "promo": _expand("{a} {b}", a=("My new page is live", "Check the link in my bio", "New upload, have a look",
                                       "Follow me for more"), b=("", "!", "now", "everyone")),
        "debate": _expand("{x} {y}", x=("The ref should be ashamed", "This policy is an outrage",
                                         "The mayor has gone mad", "What a shambles of a game"),
                          y=("", "seriously", "!!", "and I am livid")),
        "news": _expand("{x} {y}", x=("Awful accident on the ring road today", "We lost our cat this morning",
                                       "Flooding across the whole valley", "Explosion reported near the station"),
                        y=("", "be careful", "heartbreaking", "praying for them")),
        "benign": _expand("{a} {b} {c}", a=("Just enjoyed", "Tried out", "Really enjoying", "Still thinking about"),
                          b=("a lovely tea", "the new sushi spot", "my evening swim", "the sunshine",
                             "the gig last night", "my new boots", "our weekend away", "this film"),
                          c=("today", "with family", "this afternoon", "once more", "a lot"))
        + _expand("{a} {b}", a=("Can anyone recommend a", "Where can I find a good", "Need a"),
                  b=("plumber in town", "vet nearby", "hiking boot", "tablet for work", "babysitter")),
    }


def _comment_vocabulary() -> dict[str, list[str]]:
    return {
        "positive": ["Love this!", "So cool", "Haha nice", "Congrats!", "Looks amazing", "Where is this?",
                     "Good luck tonight!", "You will crush it", "Break a leg!", "See you there"],
        "violence": ["This is a threat, calling the police", "Reported. This is violent",
                     "Someone stop him before he hurts somebody", "This is scary, take it down"],
        "hate": ["This is hateful", "Racist garbage, reported", "Disgusting bigotry"],
        "self_harm": ["Are you okay?", "Please talk to someone, we care about you",
                      "Please call a helpline", "Sending love, reach out to me"],
        "spam": ["Stop spamming", "Is this a scam?", "Bot account"],
        "nudity": ["This is inappropriate", "Not safe for work, reported"],
    }


VOCABULARY = _vocabulary()
HELD_OUT_VOCABULARY = _held_out_vocabulary()
COMMENTS = _comment_vocabulary()


def sentence_vocabulary() -> list[str]:
    """All post sentences, in a fixed order (the text ids of :func:`simulate_posts` index it).

    The seen wordings come first, then their held-out paraphrases.

    Examples
    --------
    >>> v = sentence_vocabulary()
    >>> len(v) == len(set(v)), v[0]
    (True, 'I am going to hurt you tonight')
    """
    return [s for vocab in (VOCABULARY, HELD_OUT_VOCABULARY) for kind in vocab.values() for s in kind]


def comment_vocabulary() -> list[str]:
    """All comment sentences, in a fixed order (the comment ids index it).

    Examples
    --------
    >>> comment_vocabulary()[:2]
    ['Love this!', 'So cool']
    """
    return [s for kind in COMMENTS.values() for s in kind]


def country_spam_factor(n_countries: int) -> np.ndarray:
    """The planted per-country multiplier of the spam rate (fixed, mean 1 over countries).

    Examples
    --------
    >>> f = country_spam_factor(30)
    >>> f.shape, round(float(f.mean()), 6), bool(f.max() > 2 * f.min())
    ((30,), 1.0, True)
    """
    n_countries = check_int(n_countries, "n_countries", low=1)
    f = np.random.default_rng(2468).lognormal(0.0, COUNTRY_SPAM_SIGMA, n_countries)
    return f / f.mean()


def _offsets(vocab: dict[str, list[str]], start: int = 0) -> dict[str, tuple[int, int]]:
    out = {}
    for kind, sents in vocab.items():
        out[kind] = (start, start + len(sents))
        start += len(sents)
    return out


@dataclass
class Posts:
    """A simulated day (or days) of posts, with both label sets and the planted markers.

    Attributes
    ----------
    frame : one row per post: author, context, counts, reach, image class, kind.
    text_ids : index into :func:`sentence_vocabulary`, -1 for no text.
    image_ids : index into the image pool, -1 for no image.
    comment_ids : list per post of indices into :func:`comment_vocabulary`.
    hand_labels : (n, 5) 0/1 truth, columns in :data:`HARM_CLASSES`.
    natural_labels : (n, 5) 0/1 labels from user reports seen by the cut-off.
    """

    frame: pd.DataFrame
    text_ids: np.ndarray
    image_ids: np.ndarray
    comment_ids: list
    hand_labels: np.ndarray
    natural_labels: np.ndarray

    def __len__(self) -> int:
        return len(self.frame)

    def subset(self, idx) -> Posts:
        """The posts at positions ``idx`` (a boolean mask or integer positions)."""
        idx = check_selection(idx, "idx", len(self), of="posts")
        return Posts(self.frame.iloc[idx].reset_index(drop=True), self.text_ids[idx], self.image_ids[idx],
                     [self.comment_ids[i] for i in idx], self.hand_labels[idx], self.natural_labels[idx])

    @property
    def is_meme(self) -> np.ndarray:
        """Posts whose harm lives only in the phrase-picture pair."""
        return (self.frame["kind"] == "meme").to_numpy() & (self.hand_labels[:, 2] == 1)

    @property
    def meme_format(self) -> np.ndarray:
        """Every post with a meme phrase: the memes and their harmless look-alikes."""
        return (self.frame["kind"] == "meme").to_numpy()

    @property
    def ambiguous(self) -> np.ndarray:
        """Posts with slang that is a threat only half the time."""
        return (self.frame["kind"] == "ambiguous").to_numpy()


# Share of posts of each kind (before the author's risk tilts them), and per kind the
# probability that a report names the right class, the report rate per impression.
_KIND_RATE = {"violence": 0.045, "violence_image": 0.012, "ambiguous": 0.05, "nudity": 0.05,
              "hate": 0.035, "meme": 0.12, "self_harm": 0.006, "spam": 0.05, "debate": 0.06, "news": 0.05}
_BENIGN_KINDS = ("ambiguous", "meme", "debate", "news")   # not tilted by the author's risk
_REPORT_RATE = np.array([0.010, 0.008, 0.008, 0.0008, 0.004])   # per impression, by class
_FALSE_REPORT_RATE = 0.00015
# Side signals of benign posts (see the module docstring's table): concerned-comment share,
# early-report rate, like rate, and which concerned comments they draw.
_BENIGN_SIGNALS = {"debate": (0.40, 0.003, 0.025, ("violence", "hate")),
                   "news": (0.40, 0.003, 0.025, ("self_harm", "violence")),
                   "boast": (0.15, 0.001, 0.05, ("violence",)),
                   "look-alike": (0.15, 0.001, 0.05, ("hate",)),
                   "promo": (0.20, 0.001, 0.05, ("spam",)),
                   "other": (0.03, _FALSE_REPORT_RATE, 0.05, ("violence", "hate", "self_harm", "spam", "nudity"))}
_KIND_CLASS = {"violence": 0, "violence_image": 0, "nudity": 1, "hate": 2, "self_harm": 3, "spam": 4}


def simulate_posts(n: int, *, n_images: int, n_cities: int = 300, n_countries: int | None = None,
                   report_delay_days: float = 2.0, days: float = 7.0, seed: int = 0,
                   image_classes: np.ndarray | None = None, phrasing: str = "seen", image_pool=None,
                   first_author: int = 0) -> Posts:
    """Generate ``n`` posts with planted harm, reactions and both label sets.

    Parameters
    ----------
    n : number of posts.
    n_images : size of the image pool (posts pick images by class from it).
    n_cities, n_countries : cardinalities of the high-cardinality categoricals (``n_countries``
        defaults to 30, or to ``n_cities`` when there are fewer cities).
    report_delay_days : mean delay of a user report; posts made within about this long
        before the cut-off are under-reported in the natural labels.
    days : the period the posts span; natural labels are read at its end.
    seed : random seed.
    image_classes : class id of each pool image (``None``: image ``i`` has class ``i % 10``).
    phrasing : ``"seen"`` (the templates training uses) or ``"held-out"`` (their paraphrases).
    image_pool : positions in the pool these posts may use (``None``: all); give training and
        test posts disjoint pools so that no picture is in both.
    first_author : id of the first author; give each split its own range so that no author
        is in both.

    Examples
    --------
    >>> p = simulate_posts(500, n_images=100, seed=0)
    >>> len(p), p.hand_labels.shape, int(p.is_meme.sum()) > 0
    (500, (500, 5), True)
    """
    n = check_int(n, "n", low=10)
    n_images = check_int(n_images, "n_images", low=10)
    n_cities = check_int(n_cities, "n_cities", low=2)
    n_countries = check_int(min(30, n_cities) if n_countries is None else n_countries, "n_countries", low=1,
                            high=n_cities)
    report_delay_days = check_float(report_delay_days, "report_delay_days", low=0, low_open=True)
    days = check_float(days, "days", low=0, low_open=True)
    phrasing = check_choice(phrasing, "phrasing", PHRASINGS)
    first_author = check_int(first_author, "first_author", low=0)
    rng = check_random_state(seed)
    img_cls = np.arange(n_images) % 10 if image_classes is None else as_array(image_classes, "image_classes", ndim=1, dtype="int")
    if img_cls.shape != (n_images,) or img_cls.min() < 0 or img_cls.max() > 9:
        raise ValueError(f"image_classes must hold one class id in 0..9 per pool image ({n_images})")
    allowed = np.ones(n_images, bool)
    if image_pool is not None:
        ids = as_array(image_pool, "image_pool", ndim=1, dtype="int")
        if len(ids) == 0 or ids.min() < 0 or ids.max() >= n_images:
            raise ValueError(f"image_pool must hold positions in 0..{n_images - 1} (n_images), at least one")
        allowed = np.zeros(n_images, bool)
        allowed[ids] = True
    pool = [np.flatnonzero((img_cls == c) & allowed) for c in range(10)]
    if any(len(p) == 0 for p in pool):
        raise ValueError("image_classes (within image_pool) must include every class 0..9 at least once; "
                         "enlarge n_images or the pool")

    # Authors (Table 5.1): a latent risk drives their history and what they post.
    n_auth = max(20, n // 4)
    risk = rng.lognormal(-0.5, 0.8, n_auth)
    city_pop = 1.0 / np.arange(1, n_cities + 1) ** 0.8
    city = rng.choice(n_cities, n_auth, p=city_pop / city_pop.sum())
    country_of_city = np.random.default_rng(12345).integers(0, n_countries, n_cities)
    # Farms sit outside the five biggest cities; with five cities or fewer, outside the biggest.
    farm_cities = np.random.default_rng(54321).choice(np.arange(5 if n_cities > 5 else 1, n_cities),
                                                      max(1, n_cities // 30), replace=False)
    farm = np.isin(city, farm_cities)
    account_age = np.where(farm, rng.exponential(20, n_auth), rng.exponential(700, n_auth))
    authors = pd.DataFrame({
        "age": np.clip(rng.normal(32, 11, n_auth), 13, 90).round(),
        "gender": rng.choice(len(GENDERS), n_auth, p=[0.48, 0.48, 0.04]),
        "city": city, "country": country_of_city[city],
        "account_age_days": account_age.round(),
        "followers": np.floor(rng.lognormal(4, 1.5, n_auth)),
        "following": np.floor(rng.lognormal(4.5, 1.0, n_auth)),
        "violations": rng.poisson(0.4 * risk),
        "author_reports": rng.poisson(2.0 * risk),
        "profane_rate": np.clip(rng.beta(1, 40, n_auth) * (1 + risk), 0, 1),
    })
    author = rng.integers(0, n_auth, n)

    # What each post is: tilted by the author's risk; spam mostly from the farms, more in some countries.
    kinds = list(_KIND_RATE)
    base = np.array([_KIND_RATE[k] for k in kinds])
    tilt = np.ones((n, len(kinds)))
    harmful_kind = np.array([k not in _BENIGN_KINDS for k in kinds])
    tilt[:, harmful_kind] *= np.clip(risk[author], 0.2, 5.0)[:, None]
    tilt[:, kinds.index("spam")] *= np.where(farm[author], 12.0, 0.3) * country_spam_factor(n_countries)[
        authors["country"].to_numpy()[author]]
    p = base * tilt
    p = np.column_stack([p, np.clip(1 - p.sum(1), 0.05, None)])
    p /= p.sum(1, keepdims=True)
    u = rng.random(n)[:, None]
    kind_idx = (u > np.cumsum(p, 1)).sum(1)
    kind = np.array(kinds + ["benign"])[kind_idx]

    off = (_offsets(VOCABULARY) if phrasing == "seen"
           else _offsets(HELD_OUT_VOCABULARY, start=sum(len(v) for v in VOCABULARY.values())))
    pick = lambda k, m: rng.integers(*off[k], size=m)   # noqa: E731 -- a one-line sampler
    labels = np.zeros((n, len(HARM_CLASSES)), dtype=np.int64)
    text = pick("benign", n)
    image_class = rng.integers(0, 10, n)
    for k, c in _KIND_CLASS.items():
        m = kind == k
        labels[m, c] = 1
    for k in ("violence", "hate", "self_harm", "spam", "debate", "news"):
        m = kind == k
        text[m] = pick(k, m.sum())
    # Ordinary users post sad and promotional lines too; some self-harm and spam posts use
    # only those, so their words alone do not give them away.
    for k, harm, share, benign_share in (("sad", "self_harm", 0.5, 0.04), ("promo", "spam", 0.4, 0.04)):
        m = (kind == harm) & (rng.random(n) < share)
        text[m] = pick(k, m.sum())
        m = (kind == "benign") & (rng.random(n) < benign_share)
        text[m] = pick(k, m.sum())
    m = kind == "violence_image"                       # harmful picture, harmless words
    image_class[m] = WEAPON_IMAGE
    m = kind == "nudity"
    image_class[m] = np.where(rng.random(m.sum()) < 0.8, NUDITY_IMAGE, image_class[m])
    text[m] = np.where(rng.random(m.sum()) < 0.3, pick("suggestive", m.sum()), text[m])
    m = kind == "meme"
    phrase = rng.integers(0, len(MEME_PHRASES), m.sum())
    text[m] = off["meme"][0] + phrase
    labels[np.flatnonzero(m), 2] = (image_class[m] == np.asarray(MEME_PAIRS)[phrase]).astype(int)
    m = kind == "ambiguous"
    text[m] = pick("ambiguous", m.sum())
    threat = rng.random(m.sum()) < 0.5
    labels[np.flatnonzero(m), 0] = threat.astype(int)
    # A few harmful posts also carry a nude picture: two classes at once (multi-label).
    both = np.isin(kind, ["violence", "hate", "spam"]) & (rng.random(n) < 0.06)
    image_class[both] = NUDITY_IMAGE
    labels[both, 1] = 1
    image = np.array([rng.choice(pool[c]) for c in image_class])

    # Reach and reactions (Table 5.3); counts are a snapshot one hour after posting.
    harmful = labels.any(1)
    a = authors.iloc[author].reset_index(drop=True)
    impressions = np.floor(rng.lognormal(np.log1p(a["followers"].to_numpy()) * 0.8 + 1.0, 1.0))
    early = np.maximum(1, np.floor(impressions * rng.uniform(0.05, 0.15, n)))
    # Benign posts draw concern too (module docstring): each benign post's side-signal group.
    promo_text = np.isin(text, np.arange(*off["promo"]))
    group = np.where(np.isin(kind, ["debate", "news"]), kind,
                     np.where(kind == "ambiguous", "boast", np.where(kind == "meme", "look-alike",
                                                                     np.where(promo_text, "promo", "other"))))
    sig = lambda j: np.array([_BENIGN_SIGNALS[g][j] for g in group])   # noqa: E731 -- one column of the table
    benign_concern, benign_report, benign_like = sig(0), sig(1), sig(2)
    threat_like = (kind == "ambiguous") & harmful
    rate = np.where(harmful, np.where(threat_like, _REPORT_RATE[0], (labels * _REPORT_RATE).max(1)), benign_report)
    early_reports = rng.poisson(early * rate * 3)
    like_rate = np.where(harmful, 0.02, benign_like)
    likes = rng.poisson(early * like_rate)
    shares = rng.poisson(early * like_rate / 5)
    n_comments = np.minimum(rng.poisson(0.6 + 2.0 * np.log1p(early) / 3), 12)
    coff = _offsets(COMMENTS)
    comments = []
    for i in range(n):
        k = n_comments[i]
        if k == 0:
            comments.append([])
            continue
        concern = 0.6 if threat_like[i] else (0.45 if harmful[i] else benign_concern[i])
        if harmful[i]:
            neg_kind = ("violence" if labels[i, 0] else "hate" if labels[i, 2] else "self_harm" if labels[i, 3]
                        else "spam" if labels[i, 4] else "nudity")
        else:
            choices = _BENIGN_SIGNALS[group[i]][3]
            neg_kind = choices[rng.integers(len(choices))]
        neg = rng.random(k) < concern
        ids = np.where(neg, rng.integers(*coff[neg_kind], size=k), rng.integers(*coff["positive"], size=k))
        comments.append(ids.tolist())

    # Natural labels: reports over the whole reach, each after a delay, often misnamed.
    t_post = rng.uniform(0, days, n)
    n_reports = rng.poisson(impressions * rate)
    natural = np.zeros_like(labels)
    for i in np.flatnonzero(n_reports):
        arrive = t_post[i] + rng.exponential(report_delay_days, n_reports[i])
        seen = int((arrive < days).sum())
        if seen == 0:
            continue
        true = np.flatnonzero(labels[i])
        right = rng.random(seen) < 0.8
        named = np.where(right, rng.choice(true, seen) if len(true) else rng.integers(0, 5, seen),
                         rng.integers(0, 5, seen))
        natural[i, np.unique(named)] = 1

    frame = pd.DataFrame({
        "author_id": first_author + author, "kind": kind, "image_class": image_class,
        "hour": rng.integers(0, 24, n), "device": rng.choice(len(DEVICES), n, p=[0.7, 0.25, 0.05]),
        "likes": likes, "shares": shares, "comments": n_comments, "early_reports": early_reports,
        "early_impressions": early, "impressions": impressions,
        "viewers": np.floor(impressions / rng.uniform(1.0, 3.0, n)), "posted_day": t_post, "reports": n_reports,
    })
    frame = pd.concat([frame, a], axis=1)
    return Posts(frame, text, image, comments, labels, natural)


def meme_confounders(posts: Posts, image_classes, *, n_memes: int = 100, other_pictures: int = 3,
                     image_pool=None, phrasing: str = "held-out", seed: int = 0) -> Posts:
    """Hateful memes, each beside its benign confounders, as they look at upload time.

    For each hateful meme (a meme phrase beside a picture of its paired class) the set also
    holds its confounders, as in Facebook's Hateful Memes (Kiela et al., 2020): the same phrase
    beside ``other_pictures`` pictures of other classes, and the same picture beside each of the
    other phrases. None of them is hateful, so a model that reads only one half, or a shortcut
    such as "a clothing picture beside a meme phrase", scores them like the meme. Nobody has
    seen the posts yet: no likes, shares, comments or reports. Authors, places and context are
    those of posts drawn from ``posts``.

    Parameters
    ----------
    posts : posts that lend their authors and context (e.g. the test posts).
    image_classes : class id (0..9) of each image of the pool the posts index.
    n_memes : number of hateful memes (the set holds ``n_memes * (1 + other_pictures + 3)``).
    other_pictures : confounders per meme with the same phrase and another picture.
    image_pool : positions in the pool the set may use (``None``: all).
    phrasing : ``"held-out"`` (paraphrased phrases) or ``"seen"``.
    seed : random seed.

    Returns
    -------
    Posts whose frame has ``meme_group`` (the meme a row belongs to) and ``confounder``
    (``"none"`` for the meme, ``"picture"`` when the picture was swapped, ``"phrase"`` when the
    phrase was).

    Examples
    --------
    >>> p = simulate_posts(300, n_images=100, seed=0)
    >>> m = meme_confounders(p, np.arange(100) % 10, n_memes=8, other_pictures=2)
    >>> len(m), int(m.hand_labels[:, 2].sum()), int(m.frame["likes"].sum())
    (48, 8, 0)
    """
    if not isinstance(posts, Posts):
        raise TypeError(f"posts must be Posts from simulate_posts, got {type(posts).__name__}")
    cls = as_array(image_classes, "image_classes", ndim=1, dtype="int")
    n_memes = check_int(n_memes, "n_memes", low=1)
    other_pictures = check_int(other_pictures, "other_pictures", low=0, high=9)
    phrasing = check_choice(phrasing, "phrasing", PHRASINGS)
    rng = check_random_state(seed)
    allowed = np.arange(len(cls)) if image_pool is None else as_array(image_pool, "image_pool", ndim=1, dtype="int")
    if len(allowed) == 0 or allowed.min() < 0 or allowed.max() >= len(cls):
        raise ValueError(f"image_pool must hold positions in 0..{len(cls) - 1} (one per image_classes entry)")
    pool = [allowed[cls[allowed] == c] for c in range(10)]
    if any(len(p) == 0 for p in pool):
        raise ValueError("image_classes (within image_pool) must include every class 0..9 at least once")
    first = 0 if phrasing == "seen" else sum(len(v) for v in VOCABULARY.values())
    meme_first = first + _offsets(VOCABULARY if phrasing == "seen" else HELD_OUT_VOCABULARY)["meme"][0]
    rows = []                                   # (group, phrase, image, confounder)
    for g in range(n_memes):
        ph = g % len(MEME_PHRASES)
        img = rng.choice(pool[MEME_PAIRS[ph]])
        rows.append((g, ph, img, "none"))
        others = rng.choice([c for c in range(10) if c != MEME_PAIRS[ph]], other_pictures, replace=False)
        rows += [(g, ph, rng.choice(pool[c]), "picture") for c in others]
        rows += [(g, q, img, "phrase") for q in range(len(MEME_PHRASES)) if q != ph]
    group, phrase, image, conf = (np.array(col) for col in zip(*rows, strict=True))
    base = posts.subset(rng.integers(0, len(posts), len(rows)))
    frame = base.frame.copy()
    frame["kind"] = "meme"
    frame["image_class"] = cls[image]
    frame[["likes", "shares", "comments", "early_reports", "reports"]] = 0
    frame["meme_group"], frame["confounder"] = group, conf
    hand = np.zeros((len(rows), len(HARM_CLASSES)), dtype=np.int64)
    hand[:, 2] = (conf == "none").astype(np.int64)
    return Posts(frame, meme_first + phrase, image.astype(int), [[] for _ in rows], hand, np.zeros_like(hand))
