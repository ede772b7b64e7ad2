"""The data pipeline's feedback loop: user reports of bad blurs, and hard-negative mining.

Users report images that were blurred wrongly (a sign or a texture blurred for nothing) or
not enough (a face or plate left sharp). Here the users are simulated from the planted
ground truth: each visible error is reported with probability ``report_rate``. A reported
image goes to human review, which returns its correct annotation (the planted ground truth),
and the reviewed images join the training set: the false detections in them become hard
negatives, the missed objects new positives (source ch. 3, "Data pipeline").

Introduced in chapter 3, "Serving".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlsd_lib._validation import check_float, check_ids, check_probability, check_random_state
from mlsd_lib.detection.boxes import box_iou
from mlsd_lib.detection.evaluate import check_detections
from mlsd_lib.detection.scenes import SceneSet

__all__ = ["simulate_reports", "mine_hard_examples"]


def simulate_reports(detections: Sequence, scenes: SceneSet, score_threshold: float = 0.5,
                     report_rate: float = 0.3, seed=0):
    """Simulated user reports: a table with one row per reported error.

    A detection above ``score_threshold`` that overlaps no object by IoU 0.3 is a
    ``"wrong blur"``; an object no such detection overlaps by IoU 0.3 is ``"not blurred"``.
    Each is reported with probability ``report_rate``.

    Examples
    --------
    >>> from mlsd_lib.detection.scenes import make_scenes
    >>> s = make_scenes(2, seed=0)
    >>> dets = [{"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "labels": np.zeros(0, int)}] * 2
    >>> list(simulate_reports(dets, s, report_rate=1.0).columns)
    ['image', 'kind', 'box']
    """
    import pandas as pd

    if not isinstance(scenes, SceneSet):
        raise TypeError(f"scenes must be a SceneSet, got {type(scenes).__name__}")
    dets, gts = check_detections(detections, scenes.ground_truth())
    st = check_float(score_threshold, "score_threshold")
    rate = check_probability(report_rate, "report_rate")
    rng = check_random_state(seed)
    rows = []
    for i, (d, g) in enumerate(zip(dets, gts, strict=True)):
        b = d["boxes"][d["scores"] >= st]
        iou = box_iou(b, g["boxes"]) if len(b) and len(g["boxes"]) else np.zeros((len(b), len(g["boxes"])))
        for box in b[iou.max(1, initial=0.0) < 0.3]:
            if rng.random() < rate:
                rows.append({"image": i, "kind": "wrong blur", "box": box.round(1).tolist()})
        for box in g["boxes"][iou.max(0, initial=0.0) < 0.3]:
            if rng.random() < rate:
                rows.append({"image": i, "kind": "not blurred", "box": box.round(1).tolist()})
    return pd.DataFrame(rows, columns=["image", "kind", "box"])


def mine_hard_examples(scenes: SceneSet, reports, copies: int = 1) -> SceneSet:
    """The reported scenes, with their reviewed (correct) annotations, ``copies`` times each.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlsd_lib.detection.scenes import make_scenes
    >>> s = make_scenes(3, seed=0)
    >>> len(mine_hard_examples(s, pd.DataFrame({"image": [0, 2, 2], "kind": ["wrong blur"] * 3}), copies=2))
    4
    """
    if not isinstance(scenes, SceneSet):
        raise TypeError(f"scenes must be a SceneSet, got {type(scenes).__name__}")
    if not hasattr(reports, "columns") or "image" not in reports.columns:
        raise TypeError("reports must be a DataFrame with an 'image' column (see simulate_reports)")
    if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
        raise ValueError(f"copies must be an integer >= 1, got {copies!r}")
    ids = np.unique(check_ids(reports["image"].to_numpy(), "reports['image']", len(scenes), allow_empty=True,
                              of="scenes"))
    if len(ids) == 0:
        raise ValueError("reports is empty: there is nothing to mine")
    return scenes.subset(np.tile(ids, copies))
