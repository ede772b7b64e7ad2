"""The text–video dual encoder of source ch. 4 (Figs. 4.4, 4.10, 4.16–4.18).

Video towers:

- :class:`FrameEncoder` — a frame-level model: one 2-D CNN per (sampled) frame, frame
  embeddings averaged. The average is the same for any order of the frames;
- :class:`SpatioTemporalEncoder` — a video-level model learned from pixels: (2+1)-D
  factorised convolutions over all the clip's frames (the chapter's video-level tower);
- :class:`TwoStreamEncoder` — an **oracle**, not a learned video model: the frame CNN plus a
  motion stream fed by :func:`motion_track`, a hand-coded tracker that reads the direction of
  travel. Kept to show what seeing motion is worth when it is given; the chapter does not
  use it.

Text towers (all end in a ``dim``-d embedding):

- :class:`SparseTextTower` — a linear map of a bag-of-words or TF-IDF vector;
- :class:`EmbeddingBagTower` — the mean of learned (sub)word embeddings;
- :class:`TransformerTower` — a small Transformer encoder with positions, mean-pooled;
- :class:`ProjectionTower` — a learned projection of frozen sentence embeddings (MiniLM).

:func:`train_dual_encoder` trains a pair with the contrastive loss of chapter 2
(:func:`mlsd_lib.vision.encoders.info_nce_loss`) through :func:`mlsd_lib.training.fit`, or a
text tower alone against locked video embeddings.

Introduced in chapter 4, "Model development".
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import nn

from mlsd_lib._validation import as_array, check_finite, check_float, check_int
from mlsd_lib.training import History, fit
from mlsd_lib.vision.encoders import info_nce_loss

MEAN, STD = 0.45, 0.25   # pixel statistics of the rendered clips, for normalisation


def preprocess_clips(clips: ArrayLike, n_frames: int | None = None) -> torch.Tensor:
    """Decoded uint8 clips (n, T, H, W, 3) -> normalised float (n, 3, T', H, W).

    ``n_frames`` samples that many frames evenly (Fig. 4.9's "sample frames"); ``None``
    keeps all.

    Examples
    --------
    >>> preprocess_clips(np.zeros((2, 8, 16, 16, 3), np.uint8), n_frames=4).shape
    torch.Size([2, 3, 4, 16, 16])
    """
    x = as_array(clips, "clips", ndim=5, dtype="any")
    if x.shape[-1] != 3 or not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise ValueError(f"clips must be (n, frames, height, width, 3) numbers, got shape {x.shape}, dtype {x.dtype}")
    if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        raise ValueError("clips contain NaN or inf; decode the video again or drop it")
    if n_frames is not None:
        n_frames = check_int(n_frames, "n_frames", low=1, high=x.shape[1])
        x = x[:, np.linspace(0, x.shape[1] - 1, n_frames).round().astype(int)]
    t = torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32).div_(255.0).sub_(MEAN).div_(STD)
    return t.permute(0, 4, 1, 2, 3).contiguous()


class FrameEncoder(nn.Module):
    """Frame-level video tower: a 2-D CNN on each frame, then the mean over frames.

    Examples
    --------
    >>> FrameEncoder(dim=8)(torch.zeros(2, 3, 4, 32, 32)).shape
    torch.Size([2, 8])
    """

    def __init__(self, dim: int = 64, widths: tuple[int, int, int] = (16, 32, 32)) -> None:
        super().__init__()
        dim = check_int(dim, "dim", low=1)
        a, b, c = (check_int(w, "widths", low=1) for w in widths)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, a, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(a, b, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(b, c, 3, stride=2, padding=1), nn.ReLU())
        self.head = nn.Linear(c, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, ch, t, h, w = x.shape
        frames = x.permute(0, 2, 1, 3, 4).reshape(n * t, ch, h, w)
        f = self.cnn(frames).mean(dim=(2, 3)).reshape(n, t, -1)
        return self.head(f.mean(dim=1))


def motion_track(x: torch.Tensor) -> torch.Tensor:
    """A crude optical flow: how the moving region's centre shifts from frame to frame.

    For each frame, the centre of mass of ``|frame - per-pixel median over time|`` (what
    differs from the static background); returns its steps (n, T - 1, 2) as (dy, dx) in
    units of the frame size. No parameters: like the optical flow of a two-stream network,
    it is computed, not learned.

    Examples
    --------
    >>> clip = torch.zeros(1, 3, 4, 8, 8)
    >>> for t in range(4):
    ...     clip[0, :, t, 3, t + 2] = 1.0          # a dot moving right
    >>> motion_track(clip)[0, :, 1].tolist()          # dx > 0, dy = 0
    [0.125, 0.125, 0.125]
    """
    if not isinstance(x, torch.Tensor) or x.ndim != 5:
        raise TypeError("x must be a (n, 3, frames, height, width) torch tensor from preprocess_clips")
    if not bool(torch.isfinite(x).all()):
        raise ValueError("x contains NaN or inf; preprocess the clips with preprocess_clips")
    g = x.mean(1)                                          # (n, T, H, W)
    diff = (g - g.median(dim=1, keepdim=True).values).abs()
    w = diff.sum((2, 3)).clamp(min=1e-6)
    h, wd = g.shape[2], g.shape[3]
    cy = (diff.sum(3) * torch.arange(h, dtype=g.dtype)).sum(-1) / w / h
    cx = (diff.sum(2) * torch.arange(wd, dtype=g.dtype)).sum(-1) / w / wd
    c = torch.stack([cy, cx], -1)                          # (n, T, 2)
    return c[:, 1:] - c[:, :-1]


class TwoStreamEncoder(nn.Module):
    """An oracle video tower: the frame CNN over *every* frame (appearance stream) plus a
    motion stream that reads the whole clip's :func:`motion_track` in order (Simonyan &
    Zisserman's two-stream design, with a crude hand-coded flow). Motion is given, not
    learned, so it cannot test whether a video model learns motion; see
    :class:`SpatioTemporalEncoder` for the learned one.

    Examples
    --------
    >>> TwoStreamEncoder(dim=8)(torch.zeros(2, 3, 8, 32, 32)).shape
    torch.Size([2, 8])
    """

    def __init__(self, dim: int = 64, widths: tuple[int, int, int] = (16, 32, 32), n_frames: int = 8,
                 motion_dim: int = 32) -> None:
        super().__init__()
        self.appearance = FrameEncoder(dim, widths)
        self.n_frames = check_int(n_frames, "n_frames", low=2)
        m = check_int(motion_dim, "motion_dim", low=1)
        self.motion = nn.Sequential(nn.Linear(2 * (self.n_frames - 1), m), nn.ReLU(), nn.Linear(m, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[2] != self.n_frames:
            raise ValueError(f"the video-level model reads all {self.n_frames} frames; got {x.shape[2]}")
        return self.appearance(x) + self.motion(20.0 * motion_track(x).flatten(1))


class SpatioTemporalEncoder(nn.Module):
    """Video-level tower learned from pixels: (2+1)-D factorised convolutions over the clip.

    Each block is a spatial 3×3 convolution (stride 2) on every frame followed by a temporal
    convolution over 3 neighbouring frames at every position (Tran et al.'s R(2+1)D). The
    temporal convolutions compare where things are in successive frames, so the features can
    depend on the order of the frames; nothing about motion is hand-coded. The features are
    averaged over time and space, then projected. With the same ``widths`` its spatial
    convolutions cost what :class:`FrameEncoder`'s do on the same frames: the temporal
    convolutions are the price of seeing motion.

    Examples
    --------
    >>> SpatioTemporalEncoder(dim=8)(torch.zeros(2, 3, 8, 32, 32)).shape
    torch.Size([2, 8])
    """

    def __init__(self, dim: int = 64, widths: tuple[int, int, int] = (16, 32, 32), temporal_kernel: int = 3) -> None:
        super().__init__()
        dim = check_int(dim, "dim", low=1)
        kt = check_int(temporal_kernel, "temporal_kernel", low=1)
        if kt % 2 == 0:
            raise ValueError(f"temporal_kernel must be odd so the clip keeps its length, got {kt}")
        layers: list[nn.Module] = []
        c_in = 3
        for w in widths:
            w = check_int(w, "widths", low=1)
            layers += [nn.Conv3d(c_in, w, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)), nn.ReLU(),
                       nn.Conv3d(w, w, (kt, 1, 1), padding=(kt // 2, 0, 0)), nn.ReLU()]
            c_in = w
        self.net = nn.Sequential(*layers)
        self.head = nn.Linear(c_in, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.net(x).mean(dim=(2, 3, 4)))


class SparseTextTower(nn.Module):
    """A linear map of a (dense-stored) bag-of-words or TF-IDF vector.

    Examples
    --------
    >>> SparseTextTower(5, dim=3)(torch.zeros(2, 5)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_features: int, dim: int = 64) -> None:
        super().__init__()
        self.linear = nn.Linear(check_int(n_features, "n_features", low=1), check_int(dim, "dim", low=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class EmbeddingBagTower(nn.Module):
    """The mean of learned token embeddings (id 0 is padding and is left out of the mean).

    Examples
    --------
    >>> EmbeddingBagTower(10, dim=4)(torch.tensor([[3, 4, 0], [5, 0, 0]])).shape
    torch.Size([2, 4])
    """

    def __init__(self, n_tokens: int, dim: int = 64) -> None:
        super().__init__()
        n_tokens, dim = check_int(n_tokens, "n_tokens", low=2), check_int(dim, "dim", low=1)
        self.bag = nn.EmbeddingBag(n_tokens, dim, mode="mean", padding_idx=0)
        self.head = nn.Linear(dim, dim)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.bag(ids))


class TransformerTower(nn.Module):
    """Token + position embeddings, a small Transformer encoder, mean pooling over tokens.

    Unlike a bag of words, the position embeddings let it tell "from left to right" from
    "from right to left".

    Examples
    --------
    >>> TransformerTower(10, dim=8, max_len=6)(torch.tensor([[3, 4, 0], [5, 0, 0]])).shape
    torch.Size([2, 8])
    """

    def __init__(self, n_tokens: int, dim: int = 64, max_len: int = 32, layers: int = 2, heads: int = 4) -> None:
        super().__init__()
        n_tokens, dim = check_int(n_tokens, "n_tokens", low=2), check_int(dim, "dim", low=1)
        self.max_len = check_int(max_len, "max_len", low=1)
        self.tok = nn.Embedding(n_tokens, dim, padding_idx=0)
        self.pos = nn.Embedding(self.max_len, dim)
        layer = nn.TransformerEncoderLayer(dim, check_int(heads, "heads", low=1), dim_feedforward=2 * dim,
                                           dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, check_int(layers, "layers", low=1), enable_nested_tensor=False)
        self.head = nn.Linear(dim, dim)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        ids = ids[:, : self.max_len]
        pad = ids == 0
        h = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))[None]
        h = self.encoder(h, src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).float()
        return self.head((h * keep).sum(1) / keep.sum(1).clamp(min=1.0))


class ProjectionTower(nn.Module):
    """A learned two-layer projection of frozen sentence embeddings.

    Examples
    --------
    >>> ProjectionTower(384, dim=8)(torch.zeros(2, 384)).shape
    torch.Size([2, 8])
    """

    def __init__(self, in_dim: int, dim: int = 64) -> None:
        super().__init__()
        in_dim, dim = check_int(in_dim, "in_dim", low=1), check_int(dim, "dim", low=1)
        self.net = nn.Sequential(nn.Linear(in_dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def pad_ids(token_lists: list[list[str]], vocabulary, max_len: int = 32) -> torch.Tensor:
    """Token lists -> (n, max_len) int64 ids for the learned towers: 0 pads, 1 is unknown.

    ``vocabulary`` is a fitted :class:`mlsd_lib.text.Vocabulary` (its ids shifted by one).

    Examples
    --------
    >>> from mlsd_lib.text import Vocabulary
    >>> pad_ids([["red", "bag"], ["zebra"]], Vocabulary().fit([["red", "bag"]]), max_len=3).tolist()
    [[3, 2, 0], [1, 0, 0]]
    """
    from mlsd_lib._validation import check_token_lists

    docs = check_token_lists(token_lists, "token_lists")
    max_len = check_int(max_len, "max_len", low=1)
    out = np.zeros((len(docs), max_len), np.int64)
    for i, d in enumerate(docs):
        ids = vocabulary.ids(d[:max_len]) + 1
        out[i, : len(ids)] = ids
    return torch.as_tensor(out)


def _as_tensor(x, name: str) -> torch.Tensor:
    """A tower's input as a tensor: token ids stay integers, real values become finite float32
    (the towers' weights are float32, so float64 input is converted, not refused)."""
    if not isinstance(x, torch.Tensor):
        arr = as_array(x, name, ndim=(2, 5), dtype="any")
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_) or np.iscomplexobj(arr):
            raise TypeError(f"{name} must hold real numbers or token ids, got dtype {arr.dtype}")
        x = torch.as_tensor(arr)
    if x.is_floating_point():
        x = x.float()
        check_finite(x, name)
    return x


def train_dual_encoder(text_tower: nn.Module, text_x, pair_video: ArrayLike, *, video_tower: nn.Module | None = None,
                       video_x=None, reverse_text_x=None, epochs: int = 5, batch_size: int = 128, lr: float = 3e-3,
                       temperature: float = 0.1, seed: int = 0, reinit: bool = True,
                       progress: bool | str = False) -> History:
    """Contrastive training of a text tower with a video tower, or against locked video embeddings.

    Parameters
    ----------
    text_tower : the text tower; ``text_x`` its input, one row per training query.
    pair_video : (n_queries,) the video of each query (a row of ``video_x``).
    video_tower : the video tower to train jointly, with ``video_x`` the preprocessed clips
        (:func:`preprocess_clips`); ``None`` locks the video side, and ``video_x`` then holds
        fixed (n_videos, dim) video embeddings.
    reverse_text_x : optional, with a video tower: for each query, the input of the query
        that describes its clip played backwards (an all-zero row where the query says
        nothing about motion). Each such query adds the time-reversed clip to the batch as a
        hard negative with its own positive: the pair differs only in the order of frames.

    seed : draws the towers' initial weights (with ``reinit``), the batches and torch's global
        generator, so one seed gives one model whatever was built or drawn before the call.
    reinit : re-draw every layer's initial weights from ``seed`` before training (default);
        ``False`` trains the weights passed in, to continue an earlier run.

    Each epoch draws one query per video, so a batch never holds two queries of the same
    video (they would be each other's false negatives).

    Examples
    --------
    >>> tt = SparseTextTower(4, dim=4)
    >>> h = train_dual_encoder(tt, torch.eye(4), [0, 1, 2, 3], video_x=torch.eye(4), epochs=3, batch_size=4)
    >>> len(h.train_loss), h.train_loss[-1] < h.train_loss[0]
    (3, True)
    """
    if not isinstance(text_tower, nn.Module):
        raise TypeError(f"text_tower must be a torch.nn.Module, got {type(text_tower).__name__}")
    if video_tower is not None and not isinstance(video_tower, nn.Module):
        raise TypeError(f"video_tower must be a torch.nn.Module or None, got {type(video_tower).__name__}")
    if video_x is None:
        raise ValueError("video_x is required: preprocessed clips, or locked video embeddings")
    text_x, video_x = _as_tensor(text_x, "text_x"), _as_tensor(video_x, "video_x")
    pv = as_array(pair_video, "pair_video", ndim=1, dtype="ids")
    if len(pv) != len(text_x):
        raise ValueError(f"pair_video ({len(pv)}) must give one video per row of text_x ({len(text_x)})")
    if pv.min() < 0 or pv.max() >= len(video_x):
        raise ValueError(f"pair_video must index rows of video_x [0, {len(video_x)})")
    batch_size = check_int(batch_size, "batch_size", low=2)
    temperature = check_float(temperature, "temperature", low=0.0, low_open=True)
    lr = check_float(lr, "lr", low=0.0, low_open=True, high=1e6)
    seed = check_int(seed, "seed", low=0)
    rev_rows = np.zeros(len(pv), bool)
    if reverse_text_x is not None:
        if video_tower is None:
            raise ValueError("reverse_text_x needs a video tower: locked embeddings cannot be played backwards")
        reverse_text_x = _as_tensor(reverse_text_x, "reverse_text_x")
        if reverse_text_x.shape != text_x.shape:
            raise ValueError(f"reverse_text_x must have text_x's shape {tuple(text_x.shape)}")
        rev_rows = reverse_text_x.reshape(len(pv), -1).abs().sum(1).numpy() > 0
    if not isinstance(reinit, bool):
        raise TypeError(f"reinit must be True or False, got {reinit!r}")
    videos = np.unique(pv)
    by_video = {v: np.flatnonzero(pv == v) for v in videos}
    rng = np.random.default_rng(seed)
    model = nn.ModuleDict({"text": text_tower} | ({"video": video_tower} if video_tower is not None else {}))
    if reinit:
        reset_weights(model, seed)

    def batches(epoch: int):
        q = np.array([rng.choice(by_video[v]) for v in videos])
        order = rng.permutation(len(q))
        return [q[order[i:i + batch_size]] for i in range(0, len(q), batch_size) if len(order[i:i + batch_size]) > 1]

    def step(rows: np.ndarray) -> torch.Tensor:
        vid = torch.as_tensor(pv[rows])
        if video_tower is None:
            return info_nce_loss(text_tower(text_x[rows]), video_x[vid], temperature=temperature)
        rev = rows[rev_rows[rows]]
        texts, clips = text_x[rows], video_x[vid]
        if len(rev):
            texts = torch.cat([texts, reverse_text_x[rev]])
            clips = torch.cat([clips, video_x[torch.as_tensor(pv[rev])].flip(2)])
        return info_nce_loss(text_tower(texts), video_tower(clips), temperature=temperature)

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    return fit(model, step, batches, epochs=check_int(epochs, "epochs", low=1), optimizer=opt, seed=seed,
               progress=progress)


@torch.no_grad()
def reset_weights(model: nn.Module, seed: int) -> nn.Module:
    """Re-draw every layer's initial weights of ``model`` from ``seed``, in place.

    Each submodule with a ``reset_parameters`` (or, like attention, ``_reset_parameters``)
    draws its default initialisation again, from a generator seeded with ``seed``; torch's
    global generator is left as it was. Two models of one architecture reset with one seed
    are then equal, whatever was drawn before they were built.

    Examples
    --------
    >>> a, b = SparseTextTower(4, dim=3), SparseTextTower(4, dim=3)
    >>> bool(torch.equal(reset_weights(a, 1).linear.weight, reset_weights(b, 1).linear.weight))
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    seed = check_int(seed, "seed", low=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for m in model.modules():
            reset = getattr(m, "reset_parameters", None) or getattr(m, "_reset_parameters", None)
            if callable(reset):
                reset()
    return model


@torch.no_grad()
def embed(tower: nn.Module, x, batch_size: int = 256) -> np.ndarray:
    """Unit-norm embeddings of ``x`` by ``tower`` (eval mode), as float32 NumPy.

    Examples
    --------
    >>> embed(SparseTextTower(3, dim=2), torch.eye(3)).shape
    (3, 2)
    """
    if not isinstance(tower, nn.Module):
        raise TypeError(f"tower must be a torch.nn.Module, got {type(tower).__name__}")
    x = _as_tensor(x, "x")
    if not x.is_floating_point() and not any(isinstance(m, nn.Embedding | nn.EmbeddingBag) for m in tower.modules()):
        x = x.float()   # counts or 0/1 features for a tower without an embedding table: numbers, not ids
    batch_size = check_int(batch_size, "batch_size", low=1)
    was = tower.training
    tower.eval()
    out = torch.cat([tower(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
    tower.train(was)
    return nn.functional.normalize(out, dim=1).numpy().astype(np.float32)


def count_macs(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-accumulates of the conv and linear layers for one forward pass of ``x``.

    Examples
    --------
    >>> count_macs(nn.Linear(4, 2), torch.zeros(1, 4))
    8
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch tensor, got {type(x).__name__}")
    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, nn.Conv2d | nn.Conv3d):
            total[0] += out.numel() * (mod.in_channels // mod.groups) * int(np.prod(mod.kernel_size))
        elif isinstance(mod, nn.Linear):
            total[0] += out.numel() * mod.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d | nn.Conv3d | nn.Linear)]
    try:
        with torch.no_grad():
            model.eval()
            model(x)
    finally:
        for h in handles:
            h.remove()
    return int(total[0])
