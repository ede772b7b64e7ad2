"""Training the detectors through the book's one training loop, with or without augmentation.

:func:`train_detector` turns a :class:`~mlsd_lib.detection.scenes.SceneSet` into the
``batches(epoch)`` and ``step(batch)`` that ``mlsd_lib.training.fit`` runs: each batch is
matched to the model's anchors, and with an augmentation config each batch is augmented on
the fly (online), its boxes moved with the pixels (or, to measure the mistake, not moved).
:func:`augment_offline` makes the offline alternative: augmented copies made once, stored,
and then trained on like any other scenes.

Introduced in chapter 3, "Model development".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from mlsd_lib._validation import check_float, check_int
from mlsd_lib.detection.models import _Detector, make_batch
from mlsd_lib.detection.scenes import SceneSet

__all__ = ["DetectorRun", "train_detector", "augment_offline", "training_flops_per_image"]


@dataclass
class DetectorRun:
    """What :func:`train_detector` returns: the trained model, the loop's history, and per-epoch
    wall times and CPU times (the CPU time of this process: other load on a shared machine
    does not count in it, so it compares two ways of training fairly)."""

    model: object
    history: object
    epoch_seconds: list = field(default_factory=list)
    epoch_cpu_seconds: list = field(default_factory=list)

    @property
    def train_seconds(self) -> float:
        return float(sum(self.epoch_seconds))

    @property
    def train_cpu_seconds(self) -> float:
        return float(sum(self.epoch_cpu_seconds))


def _check_scenes(scenes) -> SceneSet:
    if not isinstance(scenes, SceneSet):
        raise TypeError(f"scenes must be a SceneSet (see make_scenes), got {type(scenes).__name__}")
    return scenes


def train_detector(model, scenes: SceneSet, *, epochs: int, batch_size: int = 32, lr: float = 5e-3,
                   lam: float = 1.0, augment=None, move_boxes: bool = True, seed: int = 0,
                   warm_start: bool = False, progress: bool | str = False) -> DetectorRun:
    """Train ``model`` (one of the two detectors) on ``scenes`` with Adam and a cosine schedule.

    Parameters
    ----------
    epochs, batch_size, lr : passes over the scenes, scenes per step, Adam's learning rate.
    lam : $\\lambda$, the weight of the box-regression term in $L = L_{cls} + \\lambda L_{reg}$.
    augment : an :class:`~mlsd_lib.vision.augment.AugmentConfig` for online augmentation,
        or ``None``.
    move_boxes : with ``augment``, move the boxes with the image (``False`` keeps them where
        they were: the mistake the source warns against).
    seed : seeds the weights, the batch order and the augmentation.
    warm_start : keep the model's current weights (fine-tuning) instead of fresh ones.
    progress : show a progress bar (a string labels it).

    Examples
    --------
    >>> from mlsd_lib.detection.scenes import make_scenes
    >>> from mlsd_lib.detection.models import OneStageDetector
    >>> run = train_detector(OneStageDetector(image_size=64), make_scenes(8, seed=0), epochs=1, batch_size=4)
    >>> len(run.history.train_loss), len(run.epoch_seconds)
    (1, 1)
    """
    import torch

    from mlsd_lib.training import fit
    from mlsd_lib.vision.augment import AugmentConfig, augment_with_boxes

    if not isinstance(model, _Detector):
        raise TypeError(f"model must be a OneStageDetector or TwoStageDetector, got {type(model).__name__}")
    scenes = _check_scenes(scenes)
    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    lr = check_float(lr, "lr", low=0.0, low_open=True, high=1e6)
    lam = check_float(lam, "lam", low=0.0)
    seed = check_int(seed, "seed", low=0)
    if augment is not None and not isinstance(augment, AugmentConfig):
        raise TypeError(f"augment must be an AugmentConfig or None, got {type(augment).__name__}")
    if scenes.images.shape[1] != model.image_size:
        raise ValueError(f"scenes are {scenes.images.shape[1]} px but the model reads {model.image_size} px")
    if not warm_start:
        torch.manual_seed(seed)       # the weights: the same start for every run with this seed
        for mod in model.modules():
            if hasattr(mod, "reset_parameters"):
                mod.reset_parameters()
    n = len(scenes)
    seconds: list[float] = []
    cpu_seconds: list[float] = []

    def batches(epoch: int):
        start, cpu_start = time.perf_counter(), time.process_time()
        order = np.random.default_rng([seed, epoch]).permutation(n)
        g = torch.Generator().manual_seed(seed * 1000 + epoch)
        for lo in range(0, n, batch_size):
            idx = order[lo:lo + batch_size]
            images = scenes.images[idx]
            boxes = [scenes.boxes[i] for i in idx]
            labels = [scenes.labels[i] for i in idx]
            if augment is not None:
                x, boxes, keep = augment_with_boxes(images, boxes, augment, generator=g, move_boxes=move_boxes)
                images = x[:, 0]
                labels = [lab[k] for lab, k in zip(labels, keep, strict=True)]
            yield make_batch(images, boxes, labels, model.anchors)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu_start)

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * -(-n // batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, pct_start=0.15)
    model.train()
    history = fit(model, lambda batch: model.loss(batch, lam), batches, epochs=epochs, optimizer=optimizer,
                  scheduler=scheduler, seed=seed, progress=progress)
    model.eval()
    return DetectorRun(model, history, seconds, cpu_seconds)


def augment_offline(scenes: SceneSet, copies: int, config=None, seed: int = 0) -> SceneSet:
    """The scenes plus ``copies`` augmented copies of each, boxes moved: offline augmentation.

    Examples
    --------
    >>> from mlsd_lib.detection.scenes import make_scenes
    >>> len(augment_offline(make_scenes(4, seed=0), copies=2))
    12
    """
    import torch

    from mlsd_lib.vision.augment import DETECTION_AUGMENT, augment_with_boxes

    scenes = _check_scenes(scenes)
    copies = check_int(copies, "copies", low=1)
    seed = check_int(seed, "seed", low=0)
    config = DETECTION_AUGMENT if config is None else config
    g = torch.Generator().manual_seed(seed)
    out = scenes
    for _ in range(copies):
        x, boxes, keep = augment_with_boxes(scenes.images, list(scenes.boxes), config, generator=g)
        labels = [lab[k] for lab, k in zip(scenes.labels, keep, strict=True)]
        out = out.concat(SceneSet(x[:, 0].numpy(), boxes, labels, [np.zeros((0, 4))] * len(scenes),
                                  [[] for _ in range(len(scenes))]))
    return out


def training_flops_per_image(model, scenes: SceneSet, batch_size: int = 16, lam: float = 1.0) -> float:
    """Floating-point operations of one training step (forward and backward), per scene.

    Counted by torch's ``FlopCounterMode`` on the first ``batch_size`` scenes, so it counts the
    convolutions and matrix products a step runs, not Python overhead. Chapter 3 gives two
    detectors the same training budget in these units.

    Examples
    --------
    >>> from mlsd_lib.detection.scenes import make_scenes
    >>> from mlsd_lib.detection.models import OneStageDetector
    >>> training_flops_per_image(OneStageDetector(), make_scenes(4, seed=0), batch_size=4) > 1e6
    True
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    if not isinstance(model, _Detector):
        raise TypeError(f"model must be a OneStageDetector or TwoStageDetector, got {type(model).__name__}")
    scenes = _check_scenes(scenes)
    batch_size = check_int(batch_size, "batch_size", low=1)
    n = min(batch_size, len(scenes))
    if n == 0:
        raise ValueError("scenes must hold at least one scene")
    batch = make_batch(scenes.images[:n], list(scenes.boxes[:n]), list(scenes.labels[:n]), model.anchors)
    model.train()
    with torch.random.fork_rng(), FlopCounterMode(display=False) as counter:
        torch.manual_seed(0)                      # the two-stage model samples its regions
        model.loss(batch, lam).backward()
    model.zero_grad(set_to_none=True)
    model.eval()
    return counter.get_total_flops() / n
