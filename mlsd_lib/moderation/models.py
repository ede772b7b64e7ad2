"""Harm classifiers over fused features: early or late fusion, four framings (source ch. 5).

One class, :class:`HarmClassifier`, covers the source's options (Figs. 5.4-5.12):

- ``fusion="early"``: the feature blocks are joined first and one network reads them all;
  ``fusion="late"``: one tower per modality (text, image, everything else) scores each class
  on its own, and a learnt per-class weighting of the towers' logits decides;
- ``framing`` ``"single"`` (one "harmful?" output), ``"per-class"`` (one independent network
  per class), ``"multi-label"`` (shared layers, one linear output per class) or
  ``"multi-task"`` (shared layers, then a small hidden layer per class: a task head);
- ``city="embedding"`` (a learnt 8-d vector per city) or ``"one-hot"`` (a 0/1 column per city)
  or ``None``; ``country`` the same (by default one-hot: a few dozen countries cost a few
  thousand weights, and a one-hot column needs no width to tune);
- ``loss="bce"`` or ``"focal"`` (chapter 1's focal loss), summed over the tasks; ``alpha`` weights
  the positives of either loss (``alpha`` for a positive, ``1 - alpha`` for a negative), so the
  two losses can be tuned on the same class-weight knob.

Every network trains through :func:`mlsd_lib.training.fit`.

Introduced in chapter 5, "Model development".
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from mlsd_lib._validation import as_array, check_choice, check_float, check_int, check_names
from mlsd_lib.losses import focal_loss
from mlsd_lib.moderation.features import MODALITIES, FusedFeatures
from mlsd_lib.sampling import batches as index_batches
from mlsd_lib.training import count_parameters, fit

__all__ = ["BlendedHarmClassifier", "BlendedNet", "FusionNet", "HarmClassifier", "blend_weights", "city_weights",
           "class_explanations"]

FRAMINGS = ("single", "per-class", "multi-label", "multi-task")


class FusionNet(nn.Module):
    """One network: early or late fusion, shared layers, linear or task-head outputs.

    Parameters
    ----------
    dims : width of each feature block it reads, in order.
    n_out : number of outputs (tasks).
    fusion : ``"early"`` or ``"late"``.
    heads : ``"linear"`` (one linear output per task) or ``"task"`` (a hidden layer per task).
    hidden, head_hidden : widths of the shared layer and of each task head.
    n_cities : cardinality of the city code (0: no city input).
    city : ``"embedding"`` or ``"one-hot"``.
    city_dim : width of the city embedding.
    n_countries, country, country_dim : the same for the country code (0: no country input).
    interaction : width of a pairwise text-picture layer (early fusion only; 0: none): the text
        and the picture are each projected to this width and their elementwise product joins
        the fused input, so a hidden unit can read "this phrase *and* this picture" directly.

    Examples
    --------
    >>> net = FusionNet({"text": 3, "image": 2}, n_out=2)
    >>> net({"text": torch.zeros(4, 3), "image": torch.zeros(4, 2)}, None).shape
    torch.Size([4, 2])
    >>> net = FusionNet({"text": 3}, n_out=1, n_countries=5, country="one-hot")
    >>> net({"text": torch.zeros(2, 3)}, None, torch.tensor([0, 4])).shape
    torch.Size([2, 1])
    >>> net = FusionNet({"text": 3, "image": 2}, n_out=1, interaction=4)
    >>> net({"text": torch.zeros(2, 3), "image": torch.zeros(2, 2)}, None).shape
    torch.Size([2, 1])
    """

    def __init__(self, dims: dict[str, int], n_out: int, *, fusion: str = "early", heads: str = "task",
                 hidden: int = 128, head_hidden: int = 32, n_cities: int = 0, city: str = "embedding",
                 city_dim: int = 8, n_countries: int = 0, country: str = "one-hot", country_dim: int = 4,
                 dropout: float = 0.1, interaction: int = 0) -> None:
        super().__init__()
        self.fusion = check_choice(fusion, "fusion", ("early", "late"))
        self.heads_kind = check_choice(heads, "heads", ("linear", "task"))
        self.city_kind = check_choice(city, "city", ("embedding", "one-hot"))
        self.country_kind = check_choice(country, "country", ("embedding", "one-hot"))
        self.n_out, self.n_cities = check_int(n_out, "n_out", low=1), check_int(n_cities, "n_cities", low=0)
        self.n_countries = check_int(n_countries, "n_countries", low=0)
        city_dim, country_dim = check_int(city_dim, "city_dim", low=1), check_int(country_dim, "country_dim", low=1)
        self.blocks = list(dims)
        self.interaction = check_int(interaction, "interaction", low=0)
        if self.interaction and (self.fusion != "early" or not {"text", "image"} <= set(dims)):
            raise ValueError("interaction needs fusion='early' and both the 'text' and 'image' blocks; "
                             "pass interaction=0 otherwise")
        if self.interaction:
            self.pair_text = nn.Linear(dims["text"], self.interaction)
            self.pair_image = nn.Linear(dims["image"], self.interaction)
        city_width = 0 if not n_cities else (city_dim if city == "embedding" else n_cities)
        city_width += 0 if not n_countries else (country_dim if country == "embedding" else n_countries)
        if n_cities and city == "embedding":
            self.city_emb = nn.Embedding(n_cities, city_dim)
        if n_countries and country == "embedding":
            self.country_emb = nn.Embedding(n_countries, country_dim)
        if self.fusion == "early":
            groups = {"all": self.blocks}
        else:
            groups = {m: [b for b in self.blocks if b in bs] for m, bs in MODALITIES.items()}
            groups = {m: bs for m, bs in groups.items() if bs}
        self.groups = groups
        self.city_group = "all" if self.fusion == "early" else ("other" if "other" in groups else next(iter(groups)))
        self.towers = nn.ModuleDict()
        self.outs = nn.ModuleDict()
        for g, bs in groups.items():
            width = sum(dims[b] for b in bs) + (city_width if g == self.city_group else 0) + self.interaction
            self.towers[g] = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout))
            if self.heads_kind == "linear":
                self.outs[g] = nn.Linear(hidden, n_out)
            else:
                self.outs[g] = nn.ModuleList([nn.Sequential(nn.Linear(hidden, head_hidden), nn.ReLU(),
                                                            nn.Linear(head_hidden, 1)) for _ in range(n_out)])
        if self.fusion == "late":   # learnt per-class weights of each modality's logit
            self.mix = nn.Parameter(torch.ones(len(groups), n_out) / len(groups))
            self.mix_bias = nn.Parameter(torch.zeros(n_out))

    def _codes(self, city, country) -> list[torch.Tensor]:
        """The place columns: city and country, each an embedding or a one-hot block."""
        out = []
        for n, kind, emb, codes, name in ((self.n_cities, self.city_kind, "city_emb", city, "city"),
                                          (self.n_countries, self.country_kind, "country_emb", country, "country")):
            if not n:
                continue
            if codes is None:
                raise ValueError(f"this network reads the {name} code; pass {name} as a LongTensor of codes")
            out.append(getattr(self, emb)(codes) if kind == "embedding" else nn.functional.one_hot(codes, n).float())
        return out

    def encode(self, blocks: dict[str, torch.Tensor], city: torch.Tensor | None,
               country: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Each group's hidden layer: one (``"all"``) for early fusion, one per modality for late."""
        hidden = {}
        for g, bs in self.groups.items():
            parts = [blocks[b] for b in bs]
            if g == self.city_group:
                parts += self._codes(city, country)
            if self.interaction:
                parts.append(self.pair_text(blocks["text"]) * self.pair_image(blocks["image"]))
            hidden[g] = self.towers[g](torch.cat(parts, dim=1))
        return hidden

    def head(self, group: str, h: torch.Tensor) -> torch.Tensor:
        """The logits of one group's own outputs (linear or task heads) from its hidden layer."""
        out = self.outs[group]
        return out(h) if self.heads_kind == "linear" else torch.cat([head(h) for head in out], dim=1)

    def forward(self, blocks: dict[str, torch.Tensor], city: torch.Tensor | None,
                country: torch.Tensor | None = None) -> torch.Tensor:
        logits = [self.head(g, h) for g, h in self.encode(blocks, city, country).items()]
        if self.fusion == "early":
            return logits[0]
        return (torch.stack(logits, 0) * self.mix[:, None, :]).sum(0) + self.mix_bias


def _tensors(features: FusedFeatures, blocks) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    return ({b: torch.as_tensor(features.blocks[b], dtype=torch.float32) for b in blocks},
            torch.as_tensor(features.city, dtype=torch.long), torch.as_tensor(features.country, dtype=torch.long))


class HarmClassifier:
    """Per-class harm probabilities of posts; see the module docstring for the options.

    Parameters
    ----------
    framing : ``"single"``, ``"per-class"``, ``"multi-label"`` or ``"multi-task"``.
    fusion : ``"early"`` or ``"late"``.
    blocks : feature blocks to read (``None``: all).
    city : ``"embedding"``, ``"one-hot"`` or ``None`` (no city input).
    country : ``"one-hot"``, ``"embedding"`` (4-d) or ``None`` (no country input).
    loss : ``"bce"`` or ``"focal"`` (``gamma``), per task, summed over tasks.
    alpha : weight of a positive label in the loss (``1 - alpha`` for a negative); ``None``
        weighs both alike. With ``loss="bce"`` it gives class-weighted cross-entropy.
    interaction : width of the pairwise text-picture layer of early fusion (0: none; see
        :class:`FusionNet`).
    hidden, head_hidden, epochs, lr, batch_size, weight_decay, seed : training settings.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = FusedFeatures({"text": rng.normal(size=(64, 3)).astype(np.float32)}, np.zeros(64, int),
    ...                   np.zeros(64, int), 1)
    >>> Y = (f.blocks["text"][:, :2] > 0).astype(int)
    >>> clf = HarmClassifier("multi-task", city=None, country=None, epochs=2, hidden=8).fit(f, Y)
    >>> clf.predict_proba(f).shape
    (64, 2)
    """

    def __init__(self, framing: str = "multi-task", *, fusion: str = "early", blocks=None,
                 city: str | None = "embedding", country: str | None = "one-hot", loss: str = "bce", gamma: float = 2.0,
                 alpha: float | None = None, hidden: int = 128,
                 head_hidden: int = 32, epochs: int = 8, lr: float = 2e-3, batch_size: int = 256,
                 weight_decay: float = 1e-5, seed: int = 0, progress: bool | str = False,
                 interaction: int = 0) -> None:
        self.framing = check_choice(framing, "framing", FRAMINGS)
        self.fusion = check_choice(fusion, "fusion", ("early", "late"))
        self.city = None if city is None else check_choice(city, "city", ("embedding", "one-hot"))
        self.country = None if country is None else check_choice(country, "country", ("embedding", "one-hot"))
        self.loss = check_choice(loss, "loss", ("bce", "focal"))
        self.gamma = check_float(gamma, "gamma", low=0)
        self.alpha = None if alpha is None else check_float(alpha, "alpha", low=0, high=1, low_open=True,
                                                             high_open=True)
        self.blocks = None if blocks is None else list(blocks)
        self.hidden, self.head_hidden = check_int(hidden, "hidden", low=1), check_int(head_hidden, "head_hidden", low=1)
        self.epochs = check_int(epochs, "epochs", low=1)
        self.lr = check_float(lr, "lr", low=0, low_open=True, high=1e6)
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        self.weight_decay = check_float(weight_decay, "weight_decay", low=0)
        self.seed = check_int(seed, "seed", low=0)
        self.progress = progress
        self.interaction = check_int(interaction, "interaction", low=0)
        if self.interaction and self.fusion != "early":
            raise ValueError("interaction needs fusion='early'; pass interaction=0 for late fusion")

    def _net(self, dims: dict[str, int], n_out: int, features: FusedFeatures) -> FusionNet:
        heads = "task" if self.framing == "multi-task" else "linear"
        return FusionNet(dims, n_out, fusion=self.fusion, heads=heads, hidden=self.hidden,
                         head_hidden=self.head_hidden, n_cities=features.n_cities if self.city else 0,
                         city=self.city or "embedding", n_countries=features.n_countries if self.country else 0,
                         country=self.country or "one-hot", interaction=self.interaction)

    def _criterion(self, logits, y, w):
        w = w[:, None].expand_as(y)
        if self.loss == "focal" or self.alpha is not None:   # gamma = 0: class-weighted cross-entropy
            gamma = self.gamma if self.loss == "focal" else 0.0
            return focal_loss(logits, y, gamma=gamma, alpha=self.alpha, weight=w) * y.shape[1]
        return (nn.functional.binary_cross_entropy_with_logits(logits, y, weight=w, reduction="sum")
                / w.sum() * y.shape[1])   # summed over tasks

    def _train(self, net: FusionNet, X, city, country, y: torch.Tensor, w: torch.Tensor, seed: int) -> None:
        rng = np.random.default_rng(seed)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        fit(net, lambda idx: self._criterion(net({b: x[idx] for b, x in X.items()}, city[idx], country[idx]),
                                             y[idx], w[idx]),
            lambda epoch: index_batches(len(y), self.batch_size, seed=rng), epochs=self.epochs, optimizer=opt,
            seed=seed, progress=self.progress)

    def fit(self, features: FusedFeatures, labels, sample_weight=None) -> HarmClassifier:
        """Train on ``features`` with (n, n_classes) 0/1 ``labels``.

        ``"single"`` trains on "any class"; ``"per-class"`` trains one network per column.
        ``sample_weight`` (n,) scales each post's loss, e.g. to trust reviewed labels more than
        reports.
        """
        if not isinstance(features, FusedFeatures):
            raise TypeError(f"features must be FusedFeatures, got {type(features).__name__}")
        Y = as_array(labels, "labels", ndim=2, dtype="bool")
        if len(Y) != len(features):
            raise ValueError(f"labels has {len(Y)} rows but features has {len(features)}")
        self.blocks_ = self.blocks or list(features.blocks)
        dims = {b: features.dims()[b] for b in self.blocks_}
        X, city, country = _tensors(features, self.blocks_)
        targets = Y.max(1, keepdims=True) if self.framing == "single" else Y
        yt = torch.as_tensor(targets, dtype=torch.float32)
        w = np.ones(len(Y)) if sample_weight is None else as_array(sample_weight, "sample_weight", ndim=1)
        if len(w) != len(Y) or (w < 0).any() or w.sum() <= 0:
            raise ValueError("sample_weight needs one non-negative weight per post, with a positive sum")
        wt = torch.as_tensor(w, dtype=torch.float32)
        t0 = time.perf_counter()
        self.nets_ = self._fit_nets(dims, features, X, city, country, yt, wt)
        self.train_seconds_ = time.perf_counter() - t0
        self.n_classes_ = Y.shape[1]
        self.codes_ = {"cities": features.n_cities if self.city else 0,
                       "countries": features.n_countries if self.country else 0}
        return self

    def _fit_nets(self, dims, features, X, city, country, yt, wt) -> list[nn.Module]:
        if self.framing == "per-class":
            nets = [self._net(dims, 1, features) for _ in range(yt.shape[1])]
            for j, net in enumerate(nets):
                self._train(net, X, city, country, yt[:, j:j + 1], wt, self.seed + j)
            return nets
        torch.manual_seed(self.seed)
        nets = [self._net(dims, yt.shape[1], features)]
        self._train(nets[0], X, city, country, yt, wt, self.seed)
        return nets

    @property
    def n_parameters_(self) -> int:
        """Trainable parameters over all the networks."""
        return sum(count_parameters(n) for n in self.nets_)

    def predict_proba(self, features: FusedFeatures) -> np.ndarray:
        """(n, n_classes) probabilities; (n, 1) "harmful at all" for the single classifier."""
        if not hasattr(self, "nets_"):
            raise ValueError("this HarmClassifier is not fitted; call fit(features, labels) first")
        if not isinstance(features, FusedFeatures):
            raise TypeError(f"features must be FusedFeatures, got {type(features).__name__}")
        if features.n_countries > self.codes_["countries"] > 0:
            raise ValueError(f"features has {features.n_countries} country codes but the model was trained on "
                             f"{self.codes_['countries']}; transform posts with the training featurizer")
        X, city, country = _tensors(features, self.blocks_)
        with torch.no_grad():
            out = [torch.sigmoid(net.eval()(X, city, country)) for net in self.nets_]
        return torch.cat(out, dim=1).numpy().astype(np.float64)


def blend_weights(train_before, val_before, train_after, val_after) -> dict[str, float]:
    """Gradient-blending weights of several heads (Wang, Tran & Feiszli, 2020), summing to 1.

    Each argument maps a head's name to its loss on the training part (``train_*``) or on a
    held-out part of the training posts (``val_*``), before and after a short training run.
    A head's generalisation is how much its held-out loss fell,
    ``G = val_before - val_after``; its overfitting is how much the gap between held-out and
    training loss grew, ``O = (val_after - train_after) - (val_before - train_before)``. The
    weight is proportional to ``G / O**2``, so a head that overfits more for the same gain gets
    less weight. ``O`` is floored at a tenth of the largest ``G`` of any head: a head whose gap
    did not grow (or shrank) would otherwise take all the weight and leave the other heads
    untrained, and below the floor the weights follow the gains. A head whose
    held-out loss did not fall gets 0; if no head generalised, every head gets the same weight.

    Introduced in chapter 5, "Model development".

    Examples
    --------
    >>> w = blend_weights({"text": 0.7, "image": 0.7}, {"text": 0.7, "image": 0.7},
    ...                   {"text": 0.2, "image": 0.5}, {"text": 0.5, "image": 0.6})
    >>> {k: round(v, 3) for k, v in w.items()}
    {'text': 0.182, 'image': 0.818}
    """
    parts = [train_before, val_before, train_after, val_after]
    labels = ("train_before", "val_before", "train_after", "val_after")
    for part, label in zip(parts, labels, strict=True):
        if not isinstance(part, dict) or not part:
            raise TypeError(f"{label} must be a non-empty dict of head name -> loss, got {type(part).__name__}")
    names = list(val_before)
    for part, label in zip(parts, labels, strict=True):
        if set(part) != set(names):
            raise ValueError(f"{label} names heads {sorted(part)}; every argument must name {sorted(names)}")
    loss = {label: {k: check_float(part[k], f"{label}[{k!r}]") for k in names}
            for part, label in zip(parts, labels, strict=True)}
    gains = {k: loss["val_before"][k] - loss["val_after"][k] for k in names}
    floor = max(0.1 * max(gains.values()), 1e-6)
    raw = {}
    for k in names:
        over = (loss["val_after"][k] - loss["train_after"][k]) - (loss["val_before"][k] - loss["train_before"][k])
        raw[k] = max(gains[k], 0.0) / max(over, floor) ** 2
    total = sum(raw.values())
    if total <= 0 or not np.isfinite(total):
        return {k: 1.0 / len(names) for k in names}
    return {k: v / total for k, v in raw.items()}


class BlendedNet(nn.Module):
    """Late fusion's modality towers, a fused head over their joined hidden layers, and each
    tower's own (uni-modal) head, as gradient blending trains them.

    ``forward`` returns the fused head's logits (what the model predicts with);
    :meth:`heads` returns every head's logits, keyed by modality and ``"fused"``.

    Examples
    --------
    >>> net = BlendedNet(FusionNet({"text": 3, "image": 2}, n_out=2, fusion="late", hidden=4))
    >>> out = net.heads({"text": torch.zeros(5, 3), "image": torch.zeros(5, 2)}, None)
    >>> sorted(out), tuple(out["fused"].shape)
    (['fused', 'image', 'text'], (5, 2))
    """

    def __init__(self, net: FusionNet) -> None:
        super().__init__()
        if not isinstance(net, FusionNet) or net.fusion != "late":
            raise ValueError("net must be a FusionNet with fusion='late' (one tower per modality)")
        self.net = net
        width = sum(net.towers[g][0].out_features for g in net.groups)
        if net.heads_kind == "linear":
            self.fused = nn.Linear(width, net.n_out)
        else:
            hh = next(iter(net.outs.values()))[0][0].out_features
            self.fused = nn.ModuleList([nn.Sequential(nn.Linear(width, hh), nn.ReLU(), nn.Linear(hh, 1))
                                        for _ in range(net.n_out)])

    def heads(self, blocks: dict[str, torch.Tensor], city: torch.Tensor | None,
              country: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        hidden = self.net.encode(blocks, city, country)
        out = {g: self.net.head(g, h) for g, h in hidden.items()}
        joined = torch.cat(list(hidden.values()), dim=1)
        out["fused"] = (self.fused(joined) if isinstance(self.fused, nn.Linear)
                        else torch.cat([head(joined) for head in self.fused], dim=1))
        return out

    def forward(self, blocks: dict[str, torch.Tensor], city: torch.Tensor | None,
                country: torch.Tensor | None = None) -> torch.Tensor:
        return self.heads(blocks, city, country)["fused"]


class BlendedHarmClassifier(HarmClassifier):
    """A harm classifier trained by gradient blending (Wang, Tran & Feiszli, 2020).

    One tower per modality (text, picture, everything else, as late fusion has), a fused head
    over the towers' joined hidden layers, and a uni-modal head on each tower. The loss is a
    weighted sum of every head's loss (the :class:`HarmClassifier` loss: cross-entropy or focal).
    The weights come from :func:`blend_weights`: a probe network is first trained with equal
    weights on the training posts less a held-out share ``holdout`` (``blend_epochs`` epochs),
    and each head's loss on both parts before and after says how much it generalises against
    how much it overfits. A fresh network is then trained on all the training posts with those
    weights; it predicts with the fused head. The test posts are never used.

    Parameters are :class:`HarmClassifier`'s (``fusion`` is always late towers, ``interaction``
    is not available, ``framing`` is not ``"per-class"``), plus ``holdout`` (share of the
    training posts held out to estimate the weights) and ``blend_epochs`` (epochs of the probe;
    ``None``: ``epochs``). After fitting, ``blend_weights_`` maps each head to its weight.

    Introduced in chapter 5, "Model development".

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = FusedFeatures({"text": rng.normal(size=(80, 3)).astype(np.float32),
    ...                    "image": rng.normal(size=(80, 2)).astype(np.float32)}, np.zeros(80, int),
    ...                   np.zeros(80, int), 1)
    >>> Y = (f.blocks["text"][:, :2] > 0).astype(int)
    >>> clf = BlendedHarmClassifier(city=None, country=None, epochs=2, hidden=8).fit(f, Y)
    >>> clf.predict_proba(f).shape, round(sum(clf.blend_weights_.values()), 6)
    ((80, 2), 1.0)
    """

    def __init__(self, framing: str = "multi-task", *, holdout: float = 0.2, blend_epochs: int | None = None,
                 **kw) -> None:
        if kw.get("fusion", "late") != "late" or kw.get("interaction", 0):
            raise ValueError("gradient blending trains late-fusion towers; leave fusion and interaction unset")
        if framing == "per-class":
            raise ValueError("framing 'per-class' trains one network per class, and gradient blending needs shared "
                             "towers; choose framing 'single', 'multi-label' or 'multi-task'")
        super().__init__(framing, **{**kw, "fusion": "late"})
        self.holdout = check_float(holdout, "holdout", low=0, high=0.5, low_open=True)
        self.blend_epochs = None if blend_epochs is None else check_int(blend_epochs, "blend_epochs", low=1)

    def _net(self, dims, n_out, features) -> BlendedNet:
        return BlendedNet(super()._net(dims, n_out, features))

    def _head_losses(self, net: BlendedNet, X, city, country, y, w, rows) -> dict[str, float]:
        with torch.no_grad():
            out = net.eval().heads({b: x[rows] for b, x in X.items()}, city[rows], country[rows])
        net.train()
        return {k: float(self._criterion(v, y[rows], w[rows])) for k, v in out.items()}

    def _train_blend(self, net, X, city, country, y, w, rows, weights, epochs) -> None:
        rng = np.random.default_rng(self.seed)
        rows = torch.as_tensor(rows)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)

        def loss(idx):
            r = rows[idx]
            out = net.heads({b: x[r] for b, x in X.items()}, city[r], country[r])
            return sum(weights[k] * self._criterion(v, y[r], w[r]) for k, v in out.items())

        fit(net, loss, lambda epoch: index_batches(len(rows), self.batch_size, seed=rng), epochs=epochs,
            optimizer=opt, seed=self.seed, progress=self.progress)

    def _fit_nets(self, dims, features, X, city, country, yt, wt) -> list[nn.Module]:
        n = len(yt)
        if n < 4:
            raise ValueError(f"gradient blending needs at least 4 training posts to hold some out, got {n}")
        order = np.random.default_rng(self.seed).permutation(n)
        n_out = min(max(1, round(self.holdout * n)), n - 1)
        held, kept = np.sort(order[:n_out]), np.sort(order[n_out:])
        torch.manual_seed(self.seed)
        probe = self._net(dims, yt.shape[1], features)
        names = [*probe.net.groups, "fused"]
        before = [self._head_losses(probe, X, city, country, yt, wt, r) for r in (kept, held)]
        self._train_blend(probe, X, city, country, yt, wt, kept, dict.fromkeys(names, 1.0 / len(names)),
                          self.blend_epochs or self.epochs)
        after = [self._head_losses(probe, X, city, country, yt, wt, r) for r in (kept, held)]
        self.blend_weights_ = blend_weights(before[0], before[1], after[0], after[1])
        self.blend_losses_ = {"train before": before[0], "held out before": before[1],
                              "train after": after[0], "held out after": after[1]}
        torch.manual_seed(self.seed)
        net = self._net(dims, yt.shape[1], features)
        self._train_blend(net, X, city, country, yt, wt, np.arange(n), self.blend_weights_, self.epochs)
        return [net]


def city_weights(n_cities: int, hidden: int, embedding_dim: int = 8) -> dict[str, int]:
    """Weights that represent a categorical code: one-hot into the first layer, or an embedding.

    One-hot feeds ``K`` columns into a layer of ``h`` units (``K h`` weights); an embedding
    stores a ``d``-vector per value and feeds ``d`` columns (``K d + d h``). The ratio tends to
    ``h / d`` as ``K`` grows.

    Examples
    --------
    >>> city_weights(300, 128)
    {'one-hot': 38400, 'embedding': 3424}
    """
    k = check_int(n_cities, "n_cities", low=1)
    h = check_int(hidden, "hidden", low=1)
    d = check_int(embedding_dim, "embedding_dim", low=1)
    return {"one-hot": k * h, "embedding": k * d + d * h}


def class_explanations(proba, class_names, threshold: float = 0.5) -> list[str]:
    """The reason a removal notice can give: the classes over ``threshold``, most likely first.

    A single binary classifier has one column and can only say "harmful".

    Examples
    --------
    >>> class_explanations([[0.9, 0.1, 0.7], [0.2, 0.1, 0.3]], ["violence", "nudity", "hate"])
    ['violence, hate', '']
    >>> class_explanations([[0.9]], ["harmful"])
    ['harmful']
    """
    P = as_array(proba, "proba", ndim=2)
    names = list(check_names(class_names, "class_names"))
    if P.shape[1] != len(names):
        raise ValueError(f"class_names has {len(names)} names but proba has {P.shape[1]} columns")
    threshold = check_float(threshold, "threshold", low=0, high=1)
    out = []
    for row in P:
        order = np.argsort(-row, kind="stable")
        out.append(", ".join(names[j] for j in order if row[j] >= threshold))
    return out
