"""Two detectors in plain torch: a two-stage (RPN + RoI head) and a one-stage (dense head).

Both read grey scenes through the same small convolutional backbone (four 3x3 convolutions,
stride 4 overall) and the same anchors, so they differ only where the source says they do
(source ch. 3, Figs. 3.3–3.4 and 3.7):

- :class:`TwoStageDetector` (Faster R-CNN in miniature): a region proposal network scores
  every anchor as object or not and refines it; the best proposals, thinned by NMS, are cut
  out of the feature map by :func:`~mlsd_lib.detection.roi.roi_align` and a second network
  classifies each one (face, plate or background) and refines its box again.
- :class:`OneStageDetector` (SSD/YOLO in miniature): one dense head classifies and refines
  every anchor directly.

Both are trained on the source's loss, one classification and one regression term,

$$L = L_{cls} + \\lambda L_{reg}, \\quad
L_{reg} = \\frac{1}{M}\\sum_{i=1}^{M} \\lVert t_i - \\hat t_i \\rVert^2, \\quad
L_{cls} = -\\frac{1}{M}\\sum_{i=1}^{M}\\sum_{c} y_{ic}\\log \\hat y_{ic},$$

where $t_i$ are the box offsets of :func:`~mlsd_lib.detection.boxes.encode_boxes` (scaled by
0.1 for position and 0.2 for size) and $M$ counts the positive anchors or RoIs for
$L_{reg}$ and all sampled ones for $L_{cls}$. The two-stage model adds its RPN's own
$L_{cls} + \\lambda L_{reg}$. :meth:`loss` returns it for one batch, so
``mlsd_lib.training.fit`` trains either model with ``step = lambda b: model.loss(b, lam)``.

Introduced in chapter 3, "Model development".
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from mlsd_lib._validation import check_float, check_int
from mlsd_lib.detection.anchors import make_anchors, match_batch
from mlsd_lib.detection.boxes import box_iou, encode_boxes
from mlsd_lib.detection.roi import roi_align
from mlsd_lib.detection.suppression import batched_nms

__all__ = ["ANCHOR_SHAPES", "Backbone", "OneStageDetector", "TwoStageDetector", "make_batch"]

# (width, height) in pixels: two face sizes, two plate sizes (plates are about 3:1)
ANCHOR_SHAPES = ((12, 12), (19, 19), (18, 6), (27, 9))
STRIDE = 4
_SCALE = np.array([0.1, 0.1, 0.2, 0.2])


class Backbone(nn.Module):
    """Four 3x3 convolutions, stride 4: a (1, s, s) scene becomes a (width, s/4, s/4) map."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        width = check_int(width, "width", low=1)
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, 1, 1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, 1, 1), nn.BatchNorm2d(width), nn.ReLU())
        self.width = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def _images(images) -> torch.Tensor:
    if isinstance(images, np.ndarray):
        if not np.issubdtype(images.dtype, np.floating):
            raise TypeError(f"images must be float scenes in [0, 1], got dtype {images.dtype}")
        images = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise TypeError("images must be a float array or tensor of shape (n, s, s) or (n, 1, s, s)")
    if images.ndim == 3:
        images = images[:, None]
    if images.ndim != 4 or images.shape[1] != 1 or images.shape[2] != images.shape[3] or images.shape[2] % STRIDE:
        raise ValueError(f"images must be square grey scenes (n, s, s) with s a multiple of {STRIDE}, "
                         f"got shape {tuple(images.shape)}")
    if len(images) == 0:
        raise ValueError("images is empty; pass at least one scene")
    if not bool(torch.isfinite(images).all()):
        raise ValueError("images contains NaN or inf")
    return images


def make_batch(images, boxes: list, labels: list, anchors: np.ndarray | None = None) -> dict:
    """A training batch: images as a tensor, per-image boxes and labels, and anchor targets.

    With ``anchors``, each anchor's class (-1 ignore, 0 background) and box offsets are
    computed here, once per batch, by :func:`~mlsd_lib.detection.anchors.match_batch`.

    Examples
    --------
    >>> b = make_batch(np.zeros((1, 16, 16), np.float32), [np.array([[2., 2., 14., 14.]])], [np.array([1])],
    ...                make_anchors(4, 4, ANCHOR_SHAPES))
    >>> b["images"].shape, b["anchor_labels"].shape, int((b["anchor_labels"] == 1).sum()) >= 1
    (torch.Size([1, 1, 16, 16]), torch.Size([1, 64]), True)
    """
    x = _images(images)
    if not isinstance(boxes, list | tuple) or not isinstance(labels, list | tuple) \
            or len(boxes) != len(x) or len(labels) != len(x):
        raise ValueError(f"boxes and labels must be lists with one entry per image ({len(x)})")
    boxes = [np.asarray(b, np.float64).reshape(-1, 4) for b in boxes]
    labels = [np.asarray(v, np.int64).ravel() for v in labels]
    batch = {"images": x, "boxes": boxes, "labels": labels}
    if anchors is not None:
        anchor_labels, anchor_deltas = match_batch(anchors, boxes, labels)
        batch["anchor_labels"] = torch.from_numpy(anchor_labels)
        batch["anchor_deltas"] = torch.from_numpy((anchor_deltas / _SCALE).astype(np.float32))
    return batch


def _flatten(t: torch.Tensor, per_anchor: int) -> torch.Tensor:
    """(B, A*k, H, W) conv output -> (B, H*W*A, k), the order of :func:`make_anchors`."""
    b, _, h, w = t.shape
    return t.view(b, -1, per_anchor, h, w).permute(0, 3, 4, 1, 2).reshape(b, -1, per_anchor)


def _decode_t(deltas: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
    d = deltas * torch.as_tensor(_SCALE, dtype=deltas.dtype)
    wa, ha = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    cx = (anchors[:, 0] + anchors[:, 2]) / 2 + d[:, 0] * wa
    cy = (anchors[:, 1] + anchors[:, 3]) / 2 + d[:, 1] * ha
    w, h = wa * torch.exp(d[:, 2].clamp(-4, 4)), ha * torch.exp(d[:, 3].clamp(-4, 4))
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)


class _Detector(nn.Module):
    n_classes = 2

    def __init__(self, image_size: int, width: int) -> None:
        super().__init__()
        self.image_size = check_int(image_size, "image_size", low=STRIDE)
        if self.image_size % STRIDE:
            raise ValueError(f"image_size must be a multiple of {STRIDE}")
        self.backbone = Backbone(width)
        self.anchors = make_anchors(self.image_size // STRIDE, STRIDE, ANCHOR_SHAPES)
        self.register_buffer("_anchors_t", torch.from_numpy(self.anchors.astype(np.float32)), persistent=False)
        self.n_anchors = len(ANCHOR_SHAPES)

    def _clip(self, b: torch.Tensor) -> torch.Tensor:
        return b.clamp(0, self.image_size)

    def _finish(self, boxes, probs, score_threshold, iou_threshold, max_detections):
        """Per-class candidates above the threshold, class-aware NMS, the best ``max_detections``."""
        keep_c, cls = torch.nonzero(probs[:, 1:] >= score_threshold, as_tuple=True)
        if len(keep_c) == 0:
            return {"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "labels": np.zeros(0, np.int64)}
        b = boxes[keep_c] if boxes.ndim == 2 else boxes[keep_c, cls]
        s = probs[keep_c, cls + 1]
        top = torch.argsort(s, descending=True)[:200]
        b, s, lab = b[top].numpy().astype(np.float64), s[top].numpy().astype(np.float64), cls[top].numpy() + 1
        b = np.clip(b, 0, self.image_size)
        ok = (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])
        b, s, lab = b[ok], s[ok], lab[ok]
        keep = batched_nms(b, s, lab, iou_threshold)[:max_detections] if iou_threshold < 1 else \
            np.argsort(-s, kind="stable")[:max_detections]
        return {"boxes": b[keep], "scores": s[keep], "labels": lab[keep].astype(np.int64)}

    @torch.no_grad()
    def detect(self, images, score_threshold: float = 0.05, iou_threshold: float = 0.5,
               max_detections: int = 20) -> list[dict]:
        """Detections per image: dicts of xyxy ``boxes``, ``scores`` and ``labels`` (1 face, 2 plate).

        ``iou_threshold`` is the final class-aware NMS; 1.0 switches NMS off.
        """
        x = _images(images)
        if x.shape[-1] != self.image_size:
            # The anchors are laid out for image_size: other sizes are refused, not guessed at.
            raise ValueError(f"images must be {self.image_size}x{self.image_size} (the detector's image_size), "
                             f"got {x.shape[-2]}x{x.shape[-1]}; resize them first, e.g. with preprocess(raw, size=...)")
        st = check_float(score_threshold, "score_threshold", low=0.0, high=1.0)
        it = check_float(iou_threshold, "iou_threshold", low=0.0, high=1.0)
        md = check_int(max_detections, "max_detections", low=1)
        was = self.training
        self.eval()
        try:
            return self._detect(x, st, it, md)
        finally:
            self.train(was)


class OneStageDetector(_Detector):
    """A dense head on the backbone: for every anchor, class scores and box offsets at once.

    Negatives are mined per image as SSD does: the background anchors with the highest
    classification loss, three per positive (at least ``min_negatives``).

    Examples
    --------
    >>> m = OneStageDetector(image_size=32)
    >>> len(m.detect(np.zeros((2, 32, 32), np.float32)))
    2
    """

    def __init__(self, image_size: int = 64, width: int = 32, head: int = 64, min_negatives: int = 16) -> None:
        super().__init__(image_size, width)
        head = check_int(head, "head", low=1)
        self.min_negatives = check_int(min_negatives, "min_negatives", low=1)
        a = self.n_anchors
        self.head = nn.Sequential(nn.Conv2d(width, head, 3, 1, 1), nn.ReLU())
        self.cls = nn.Conv2d(head, a * (self.n_classes + 1), 1)
        self.reg = nn.Conv2d(head, a * 4, 1)

    def forward(self, x: torch.Tensor):
        h = self.head(self.backbone(x))
        return _flatten(self.cls(h), self.n_classes + 1), _flatten(self.reg(h), 4)

    def loss(self, batch: dict, lam: float = 1.0) -> torch.Tensor:
        """$L_{cls} + \\lambda L_{reg}$ for one batch from :func:`make_batch` (with anchors)."""
        lam = check_float(lam, "lam", low=0.0)
        logits, deltas = self(batch["images"])
        labels, target = batch["anchor_labels"], batch["anchor_deltas"]
        pos, neg = labels > 0, labels == 0
        n_pos = pos.sum(1)
        ce = F.cross_entropy(logits.reshape(-1, self.n_classes + 1), labels.clamp(min=0).reshape(-1),
                             reduction="none").view(labels.shape)
        # hard negatives: the background anchors the model is most wrong about
        neg_loss = torch.where(neg, ce, torch.full_like(ce, -1.0))
        k = torch.clamp(3 * n_pos, min=self.min_negatives)
        rank = neg_loss.argsort(1, descending=True).argsort(1)
        hard = neg & (rank < k[:, None])
        m = (pos | hard).sum().clamp(min=1)
        l_cls = ce[pos | hard].sum() / m
        l_reg = ((deltas - target) ** 2).sum(-1)[pos].sum() / pos.sum().clamp(min=1)
        return l_cls + lam * l_reg

    def _detect(self, x, st, it, md):
        logits, deltas = self(x)
        probs = logits.softmax(-1)
        out = []
        for i in range(len(x)):
            boxes = self._clip(_decode_t(deltas[i], self._anchors_t))
            out.append(self._finish(boxes, probs[i], st, it, md))
        return out


class TwoStageDetector(_Detector):
    """A region proposal network, RoI align, and a classifier and box regressor per region.

    Training is end to end: each batch's proposals (detached, thinned by NMS, plus the
    ground-truth boxes) are labelled by IoU with the objects and ``rois_per_image`` of them
    are sampled, at most a quarter positive, for the second stage.

    Examples
    --------
    >>> m = TwoStageDetector(image_size=32)
    >>> len(m.detect(np.zeros((2, 32, 32), np.float32)))
    2
    """

    def __init__(self, image_size: int = 64, width: int = 32, head: int = 64, pool: int = 5,
                 proposals: int = 24, rois_per_image: int = 24) -> None:
        super().__init__(image_size, width)
        head = check_int(head, "head", low=1)
        self.pool = check_int(pool, "pool", low=1)
        self.proposals = check_int(proposals, "proposals", low=1)
        self.rois_per_image = check_int(rois_per_image, "rois_per_image", low=2)
        a = self.n_anchors
        self.rpn = nn.Sequential(nn.Conv2d(width, head, 3, 1, 1), nn.ReLU())
        self.rpn_obj = nn.Conv2d(head, a, 1)
        self.rpn_reg = nn.Conv2d(head, a * 4, 1)
        self.roi_head = nn.Sequential(nn.Flatten(), nn.Linear(width * self.pool ** 2, 128), nn.ReLU())
        self.roi_cls = nn.Linear(128, self.n_classes + 1)
        self.roi_reg = nn.Linear(128, 4)

    def forward(self, x: torch.Tensor):
        f = self.backbone(x)
        r = self.rpn(f)
        return f, _flatten(self.rpn_obj(r), 1)[..., 0], _flatten(self.rpn_reg(r), 4)

    @torch.no_grad()
    def _propose(self, obj: torch.Tensor, deltas: torch.Tensor, n: int) -> list[np.ndarray]:
        # every image's best 4n anchors at once, then one NMS with the image as the class
        k = min(4 * n, obj.shape[1])
        score, top = obj.topk(k, dim=1)
        picked = deltas.gather(1, top[..., None].expand(-1, -1, 4)).reshape(-1, 4)
        boxes = self._clip(_decode_t(picked, self._anchors_t[top.reshape(-1)])).numpy().astype(np.float64)
        score, image = score.reshape(-1).numpy(), np.repeat(np.arange(len(obj)), k)
        ok = np.flatnonzero((boxes[:, 2] - boxes[:, 0] > 1) & (boxes[:, 3] - boxes[:, 1] > 1))
        kept = ok[batched_nms(boxes[ok], score[ok], image[ok], 0.7)] if len(ok) else ok
        # kept is in score order, so each image's first n are its n best
        return [boxes[kept[image[kept] == i][:n]] for i in range(len(obj))]

    def _heads(self, f: torch.Tensor, rois: list[np.ndarray]):
        idx = np.concatenate([np.full(len(r), i) for i, r in enumerate(rois)])
        table = np.concatenate([idx[:, None], np.concatenate(rois)], axis=1).astype(np.float32)
        pooled = roi_align(f, torch.from_numpy(table), self.pool, 1.0 / STRIDE, 2)
        h = self.roi_head(pooled)
        return self.roi_cls(h), self.roi_reg(h)

    def loss(self, batch: dict, lam: float = 1.0) -> torch.Tensor:
        """RPN $L_{cls} + \\lambda L_{reg}$ plus RoI-head $L_{cls} + \\lambda L_{reg}$ for one batch."""
        lam = check_float(lam, "lam", low=0.0)
        f, obj, deltas = self(batch["images"])
        labels, target = batch["anchor_labels"], batch["anchor_deltas"]
        pos, neg = labels > 0, labels == 0
        # RPN: every positive anchor and an equal share of random negatives (at least 16)
        k = torch.clamp(pos.sum(1), min=16)
        rnd = torch.where(neg, torch.rand(neg.shape), torch.full(neg.shape, -1.0))
        pick = neg & (rnd.argsort(1, descending=True).argsort(1) < k[:, None])
        use = pos | pick
        l_obj = F.binary_cross_entropy_with_logits(obj[use], pos[use].float())
        l_rpn_reg = ((deltas - target) ** 2).sum(-1)[pos].sum() / pos.sum().clamp(min=1)
        # second stage: sample proposals (plus the objects themselves), label them by IoU
        proposals = self._propose(obj.detach(), deltas.detach(), self.proposals)
        rois, cls_t, reg_t = [], [], []
        for p, gb, gl in zip(proposals, batch["boxes"], batch["labels"], strict=True):
            cand = np.concatenate([p, gb]) if len(gb) else p
            if len(cand) == 0:
                cand = np.array([[0.0, 0.0, self.image_size, self.image_size]])
            lab = np.zeros(len(cand), np.int64)
            d = np.zeros((len(cand), 4))
            if len(gb):
                iou = box_iou(cand, gb)
                best = iou.argmax(1)
                good = iou.max(1) >= 0.5
                lab[good] = gl[best[good]]
                d[good] = encode_boxes(gb[best[good]], cand[good]) / _SCALE
            pos_i, neg_i = np.flatnonzero(lab > 0), np.flatnonzero(lab == 0)
            n_pos = min(len(pos_i), self.rois_per_image // 4)
            take = np.concatenate([pos_i[torch.randperm(len(pos_i)).numpy()[:n_pos]],
                                   neg_i[torch.randperm(len(neg_i)).numpy()[:self.rois_per_image - n_pos]]])
            rois.append(cand[take])
            cls_t.append(lab[take])
            reg_t.append(d[take])
        logits, reg = self._heads(f, rois)
        cls_t = torch.from_numpy(np.concatenate(cls_t))
        reg_t = torch.from_numpy(np.concatenate(reg_t).astype(np.float32))
        l_cls = F.cross_entropy(logits, cls_t)
        p = cls_t > 0
        l_reg = ((reg - reg_t) ** 2).sum(-1)[p].sum() / p.sum().clamp(min=1)
        return l_obj + lam * l_rpn_reg + l_cls + lam * l_reg

    def _detect(self, x, st, it, md):
        f, obj, deltas = self(x)
        proposals = self._propose(obj, deltas, self.proposals)
        proposals = [p if len(p) else np.array([[0.0, 0.0, 1.0, 1.0]]) for p in proposals]
        logits, reg = self._heads(f, proposals)
        probs = logits.softmax(-1)
        out, start = [], 0
        for p in proposals:
            sl = slice(start, start + len(p))
            start += len(p)
            boxes = self._clip(_decode_t(reg[sl], torch.from_numpy(p.astype(np.float32))))
            out.append(self._finish(boxes, probs[sl], st, it, md))
        return out


