"""Image encoders and contrastive training (source ch. 2, "Model development", Figs. 2.7-2.11).

``SmallCNN`` maps a 28x28 grey image to an L2-normalised embedding. ``train_contrastive``
trains it the way the source frames it: for each image of a batch, an augmented view is the
positive and the other images' views are the negatives; similarities, softmax, cross-entropy
(InfoNCE, as in SimCLR). With ``labels`` it trains the supervised-contrastive variant, where
every same-class image of the batch is a positive too — the "use labels/clicks" option.

Introduced in chapter 2, "Model development".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_finite, check_float, check_int
from mlsd_lib.vectors import normalize_rows
from mlsd_lib.vision.augment import TRAIN_AUGMENT, AugmentConfig, random_augment, to_tensor


def _torch():
    import torch

    return torch


class SmallCNN(_torch().nn.Module):
    """Three conv blocks, global average pooling and a linear layer to ``dim`` outputs.

    Parameters
    ----------
    widths : channels of the three conv blocks.
    dim : embedding size.

    Examples
    --------
    >>> import torch
    >>> SmallCNN(dim=8)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 8])
    """

    def __init__(self, widths: tuple[int, int, int] = (16, 32, 64), dim: int = 128) -> None:
        nn = _torch().nn
        super().__init__()
        if len(widths) != 3:
            raise ValueError(f"widths must hold three channel counts, got {widths!r}")
        w = [check_int(c, "widths", low=1) for c in widths]
        dim = check_int(dim, "dim", low=1)
        layers, c_in = [], 1
        for i, c in enumerate(w):
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
            if i < 2:
                layers.append(nn.MaxPool2d(2))
            c_in = c
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c_in, dim)
        self.dim = dim
        # Channels-last layout: oneDNN's CPU convolutions, batch norm and pooling run faster in
        # it; a training step in the default NCHW layout takes 1.35x as long on one thread
        # (tests/benchmarks/test_vision_bench.py). Results differ from NCHW's by float rounding.
        self.to(memory_format=_torch().channels_last)

    def forward(self, x):
        x = x.contiguous(memory_format=_torch().channels_last)
        return self.head(self.features(x).mean(dim=(2, 3)))


def info_nce_loss(z_query, z_positive, temperature: float = 0.2):
    """Contrastive loss of source ch. 2, Fig. 2.11, for a batch of (query, positive) pairs.

    Row i of ``z_query @ z_positive.T / temperature`` scores query i against every view of
    the batch; softmax + cross-entropy with target i pulls the positive close and pushes the
    other n - 1 (the negatives) away. Symmetrised over the two views, as SimCLR does.

    Examples
    --------
    >>> import torch
    >>> z = torch.nn.functional.normalize(torch.eye(4), dim=1)
    >>> round(float(info_nce_loss(z, z, temperature=0.1)), 4)   # perfect pairs: near zero
    0.0001
    """
    torch = _torch()
    F = torch.nn.functional
    temperature = check_float(temperature, "temperature", low=0.0, low_open=True)
    _check_embeddings(z_query, z_positive)
    a, b = F.normalize(z_query, dim=1), F.normalize(z_positive, dim=1)
    logits = a @ b.T / temperature
    target = torch.arange(len(a))
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


def supervised_contrastive_loss(z_query, z_positive, labels, temperature: float = 0.2):
    """SupCon loss (Khosla et al., 2020): every same-label view in the batch is a positive.

    Examples
    --------
    >>> import torch
    >>> z = torch.nn.functional.normalize(torch.randn(6, 4, generator=torch.Generator().manual_seed(0)), dim=1)
    >>> float(supervised_contrastive_loss(z, z, torch.tensor([0, 0, 1, 1, 2, 2]))) > 0
    True
    """
    torch = _torch()
    F = torch.nn.functional
    temperature = check_float(temperature, "temperature", low=0.0, low_open=True)
    _check_embeddings(z_query, z_positive)
    if not isinstance(labels, torch.Tensor):
        labels = torch.as_tensor(as_array(labels, "labels", ndim=1, dtype="int"))
    if labels.ndim != 1 or len(labels) != len(z_query):
        raise ValueError(f"labels must describe the same batch: one class id per row of z_query ({len(z_query)}), "
                         f"got shape {tuple(labels.shape)}")
    z = F.normalize(torch.cat([z_query, z_positive]), dim=1)
    y = torch.cat([labels, labels])
    logits = z @ z.T / temperature
    self_mask = torch.eye(len(z), dtype=torch.bool)
    logits = logits.masked_fill(self_mask, -1e9)  # an image is not its own candidate
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    pos = (y[:, None] == y[None, :]) & ~self_mask
    return -(log_prob * pos).sum(1).div(pos.sum(1)).mean()


def _check_embeddings(z_query, z_positive) -> None:
    torch = _torch()
    for name, z in (("z_query", z_query), ("z_positive", z_positive)):
        if not isinstance(z, torch.Tensor) or not z.is_floating_point():
            raise TypeError(f"{name} must be a float torch tensor, got {type(z).__name__}")
        if z.ndim != 2 or len(z) == 0 or z.shape[1] == 0:
            raise ValueError(f"{name} must be a non-empty (batch, dim) tensor, got shape {tuple(z.shape)}")
        check_finite(z.detach(), name)
    if z_query.shape != z_positive.shape:
        raise ValueError(f"z_query and z_positive must have the same shape, got {tuple(z_query.shape)} and {tuple(z_positive.shape)}")


@dataclass
class TrainResult:
    """A trained encoder and its loss per step."""

    encoder: SmallCNN
    losses: list[float] = field(default_factory=list)


def train_contrastive(
    images: ArrayLike,
    labels: ArrayLike | None = None,
    *,
    epochs: int = 5,
    batch_size: int = 256,
    lr: float = 2e-3,
    temperature: float = 0.2,
    dim: int = 128,
    widths: tuple[int, int, int] = (16, 32, 64),
    augment: AugmentConfig = TRAIN_AUGMENT,
    seed: int = 0,
    progress: bool = True,
) -> TrainResult:
    """Train a :class:`SmallCNN` with InfoNCE on augmented pairs (or SupCon with ``labels``).

    Parameters
    ----------
    images : (n, 28, 28) uint8 training images.
    labels : class ids for the supervised-contrastive variant; ``None`` = self-supervised.
    epochs, batch_size, lr : optimisation (Adam, cosine-decayed learning rate).
    temperature : softmax temperature of the contrastive loss.
    dim, widths : encoder shape.
    augment : ranges of the random views.
    seed : seeds initialisation, shuffling and augmentation (runs are bit-identical on one thread).
    progress : show a tqdm bar.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).integers(0, 255, (64, 28, 28)).astype(np.uint8)
    >>> res = train_contrastive(x, epochs=1, batch_size=32, dim=8, progress=False)
    >>> len(res.losses)
    2
    """
    torch = _torch()
    from mlsd_lib.training import fit

    x = to_tensor(images)
    n = len(x)
    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=2)
    if batch_size > n:
        raise ValueError(f"batch_size ({batch_size}) must not exceed the number of images ({n})")
    lr = check_float(lr, "lr", low=0.0, low_open=True, high=1e6)
    y = None
    if labels is not None:
        y_np = as_array(labels, "labels", ndim=1, dtype="int")
        if len(y_np) != n:
            raise ValueError(f"labels must have one entry per image ({n}), got {len(y_np)}")
        y = torch.from_numpy(y_np)
    seed = check_int(seed, "seed", low=0)
    torch.manual_seed(seed)
    encoder = SmallCNN(widths, dim)
    g = torch.Generator().manual_seed(seed)
    steps_per_epoch = n // batch_size  # drop the ragged last batch: fewer negatives there
    opt = torch.optim.Adam(encoder.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)

    def epoch_batches(epoch: int):
        return torch.randperm(n, generator=g)[: steps_per_epoch * batch_size].split(batch_size)

    def step(idx):
        batch = x[idx]
        z1 = encoder(random_augment(batch, augment, generator=g))
        z2 = encoder(random_augment(batch, augment, generator=g))
        if y is None:
            return info_nce_loss(z1, z2, temperature)
        return supervised_contrastive_loss(z1, z2, y[idx], temperature)

    hist = fit(encoder, step, epoch_batches, epochs=epochs, optimizer=opt, scheduler=sched,
               progress="contrastive training" if progress else False)
    return TrainResult(encoder, hist.step_loss)


def random_encoder(dim: int = 128, widths: tuple[int, int, int] = (16, 32, 64), seed: int = 0) -> SmallCNN:
    """An untrained :class:`SmallCNN` (the "random features" baseline).

    Examples
    --------
    >>> random_encoder(dim=4).dim
    4
    """
    torch = _torch()
    torch.manual_seed(check_int(seed, "seed", low=0))
    return SmallCNN(widths, dim).eval()


def embed_images(encoder, images: ArrayLike, batch_size: int = 1024) -> np.ndarray:
    """L2-normalised float32 embeddings of ``images`` under ``encoder`` (eval mode, no grad).

    Examples
    --------
    >>> import numpy as np
    >>> e = embed_images(random_encoder(dim=4), np.zeros((3, 28, 28), np.uint8))
    >>> e.shape, e.dtype.name
    ((3, 4), 'float32')
    """
    torch = _torch()
    x = to_tensor(images)
    batch_size = check_int(batch_size, "batch_size", low=1)
    encoder.eval()
    with torch.no_grad():
        out = torch.cat([encoder(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
    out = torch.nn.functional.normalize(out, dim=1)
    return out.numpy().astype(np.float32)


def embed_pixels(images: ArrayLike) -> np.ndarray:
    """Raw-pixel "embeddings": flattened intensities, L2-normalised (cosine on pixels).

    Examples
    --------
    >>> import numpy as np
    >>> embed_pixels(np.ones((2, 28, 28), np.uint8)).shape
    (2, 784)
    """
    x = to_tensor(images).reshape(len(to_tensor(images)), -1).numpy()
    return normalize_rows(x.astype(np.float32), "images", zero_rows="keep")
