"""Blurring a real photograph with a detector trained on small scenes: an image pyramid of tiles.

The chapter's detectors read 64 x 64 grey scenes in which a face is 10-22 px wide. A street
photograph is larger and its faces come in every size. :func:`blur_photo` therefore shrinks
the photo to several scales (an image pyramid) so that each face size it should find lands
in the size range the detector learned, cuts every level into overlapping tiles of the
detector's input size, runs the detector on all tiles in batches, maps each box back to the
photo's pixels, merges the boxes of all scales and tiles with the chapter's class-aware NMS,
and blurs the kept boxes on the original photo (colour kept).

Introduced in chapter 3, "Serving: blurring a real photograph".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlsd_lib._validation import as_array, check_choice, check_float, check_int
from mlsd_lib.detection.blur import blur_regions
from mlsd_lib.detection.suppression import batched_nms

__all__ = ["PhotoBlur", "photo_scales", "detect_photo", "blur_photo", "score_blurs", "score_photos", "load_real_photos",
           "TURNED_REGION"]

# where the synthetic three-quarter view of ``astronaut`` is made, and how far it is turned
TURNED_REGION, TURN_AMOUNT = (140, 40, 300, 210), 0.9

# the face sides the chapter's scenes plant (``make_scenes(face_px=(10, 22))``): a pyramid
# level shrinks a face of the wanted size to this middle size
_TRAINED_FACE_PX = 15.0


@dataclass
class PhotoBlur:
    """What :func:`blur_photo` returns: the blurred photo and the boxes it blurred.

    ``image`` has the input's shape and dtype; ``boxes`` are xyxy in the photo's pixels,
    ``scores`` the detector's, ``labels`` 1 face or 2 plate; ``scales`` the pyramid levels
    read and ``tiles`` how many detector inputs they made.
    """

    image: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    scales: tuple
    tiles: int

    def detections(self) -> dict:
        """The boxes as a ``{"boxes", "scores", "labels"}`` dict, the form the metrics read."""
        return {"boxes": self.boxes, "scores": self.scores, "labels": self.labels}


def photo_scales(height: int, width: int, min_face: float = 24.0, max_face: float | None = None,
                 step: float = 1.5, trained_face: float = _TRAINED_FACE_PX) -> tuple[float, ...]:
    """The pyramid's scale factors: each maps faces of one size band onto ``trained_face`` px.

    Scales run from ``trained_face / min_face`` down to ``trained_face / max_face`` (default:
    the photo's shorter side), dividing by ``step`` each level; the detector's 10-22 px range
    spans a factor of about 2, so a step of 1.5 leaves no face size between two levels.

    Examples
    --------
    >>> [round(s, 3) for s in photo_scales(512, 512, min_face=30, max_face=120, step=2)]
    [0.5, 0.25, 0.125]
    """
    height, width = check_int(height, "height", low=1), check_int(width, "width", low=1)
    min_face = check_float(min_face, "min_face", low=1.0)
    max_face = float(min(height, width)) if max_face is None else check_float(max_face, "max_face", low=min_face)
    step = check_float(step, "step", low=1.05, high=4.0)
    trained_face = check_float(trained_face, "trained_face", low=1.0, low_open=True)
    scales, s = [], trained_face / min_face
    while s >= trained_face / max_face * (1 - 1e-9):
        scales.append(s)
        s /= step
    return tuple(scales) or (trained_face / min_face,)


def _grey01(img: np.ndarray) -> np.ndarray:
    import cv2

    x = img[..., :3] if img.ndim == 3 else img
    if np.issubdtype(x.dtype, np.integer):
        top = 255.0 if x.max() <= 255 else float(np.iinfo(x.dtype).max)
        x = x.astype(np.float32) / top
    else:
        x = x.astype(np.float32)
    if x.ndim == 3:
        x = cv2.cvtColor(np.ascontiguousarray(x), cv2.COLOR_RGB2GRAY)
    return np.clip(x, 0, 1)


def _tiles(grey: np.ndarray, scale: float, tile: int, stride: int):
    """The tiles of one pyramid level and each tile's top-left corner in that level's pixels."""
    import cv2

    h, w = grey.shape
    lh, lw = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    level = cv2.resize(grey, (lw, lh), interpolation=interp)
    ph, pw = max(lh, tile), max(lw, tile)
    if (ph, pw) != (lh, lw):                 # a level smaller than a tile: pad with its edge
        level = cv2.copyMakeBorder(level, 0, ph - lh, 0, pw - lw, cv2.BORDER_REPLICATE)
    ys = sorted({*range(0, ph - tile + 1, stride), ph - tile})
    xs = sorted({*range(0, pw - tile + 1, stride), pw - tile})
    crops = np.stack([level[y:y + tile, x:x + tile] for y in ys for x in xs])
    corners = np.array([(x, y) for y in ys for x in xs], float)
    return crops, corners, (lh, lw)


def blur_photo(image, detector, *, method: str = "gaussian", strength: float = 0.5, score_threshold: float = 0.5,
               iou_threshold: float = 0.3, min_face: float = 24.0, max_face: float | None = None,
               step: float = 1.5, overlap: float = 0.5, batch_size: int = 256, labels=(1, 2)) -> PhotoBlur:
    """Blur every face (and plate) the chapter's ``detector`` finds in a photograph of any size.

    Parameters
    ----------
    image : the photo, grey ``(h, w)`` or colour ``(h, w, 3)`` (RGB; an alpha channel
        ``(h, w, 4)`` is ignored), uint8 or float in [0, 1]; at least 8 x 8 px.
    detector : a trained :class:`~mlsd_lib.detection.models.OneStageDetector` or
        :class:`~mlsd_lib.detection.models.TwoStageDetector` (anything with ``image_size`` and
        ``detect``).
    method, strength : the blur, as in :func:`~mlsd_lib.detection.blur.blur_regions`.
    score_threshold : blur boxes scoring at least this.
    iou_threshold : the class-aware NMS that merges boxes across scales and tiles.
    min_face, max_face : the smallest and largest face sides (px in the photo) to look for;
        ``max_face=None`` means the photo's shorter side. See :func:`photo_scales`.
    step : the ratio between pyramid levels.
    overlap : the share of a tile its neighbour overlaps (0.5: stride of half a tile), so a
        face cut by one tile's edge is whole in the next.
    batch_size : tiles per call of the detector.
    labels : the classes to blur (1 face, 2 plate).

    Returns
    -------
    PhotoBlur : the blurred photo (same shape and dtype) and the boxes, scores and labels.

    Examples
    --------
    >>> from mlsd_lib.detection.models import OneStageDetector
    >>> out = blur_photo(np.zeros((100, 150, 3), np.uint8), OneStageDetector(), score_threshold=0.99)
    >>> out.image.shape, out.boxes.shape[1], out.tiles > 0
    ((100, 150, 3), 4, True)
    """
    img, st, it, overlap, batch_size, wanted = _prepare(image, detector, score_threshold, iou_threshold, overlap,
                                                        batch_size, labels)
    method = check_choice(method, "method", ("gaussian", "pixelate"))
    strength = check_float(strength, "strength", low=0.0, high=1.0, low_open=True)
    det, scales, n_tiles = _detect(img, detector, st, it, min_face, max_face, step, overlap, batch_size, wanted)
    b, s, lab = det["boxes"], det["scores"], det["labels"]
    if img.ndim == 3 and img.shape[2] == 4:        # blur the colour, keep the alpha channel
        out = img.copy()
        out[..., :3] = blur_regions(img[..., :3], b, method, strength)
    else:
        out = blur_regions(img, b, method, strength)
    return PhotoBlur(out, b, s, lab, scales, n_tiles)


def _prepare(image, detector, score_threshold, iou_threshold, overlap, batch_size, labels):
    """The checks :func:`blur_photo` and :func:`detect_photo` share."""
    if isinstance(image, str | bytes) or image is None:
        raise TypeError(f"image must be a numpy array (h, w) or (h, w, 3), got {type(image).__name__}; "
                        "decode files first, e.g. with cv2.imread or matplotlib.pyplot.imread")
    img = np.asarray(image)
    if img.dtype == bool or not (np.issubdtype(img.dtype, np.integer) or np.issubdtype(img.dtype, np.floating)):
        raise TypeError(f"image must hold uint8 or float pixels, got dtype {img.dtype}")
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (1, 3, 4)):
        raise ValueError(f"image must be (h, w), (h, w, 3) or (h, w, 4), got shape {img.shape}")
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if min(img.shape[:2]) < 8:
        raise ValueError(f"image is {img.shape[1]}x{img.shape[0]} px; at least 8x8 is needed")
    if np.issubdtype(img.dtype, np.floating):
        if not np.isfinite(img).all():
            raise ValueError("image contains NaN or inf")
        if img.min() < 0 or img.max() > 1:
            raise ValueError("a float image must hold values in [0, 1]; pass uint8 for 0-255 pixels")
    elif img.min() < 0:
        raise ValueError("image has negative pixel values")
    if not (hasattr(detector, "detect") and hasattr(detector, "image_size")):
        raise TypeError("detector must be a trained OneStageDetector or TwoStageDetector "
                        f"(with .detect and .image_size), got {type(detector).__name__}")
    st = check_float(score_threshold, "score_threshold", low=0.0, high=1.0)
    it = check_float(iou_threshold, "iou_threshold", low=0.0, high=1.0)
    overlap = check_float(overlap, "overlap", low=0.0, high=0.9)
    batch_size = check_int(batch_size, "batch_size", low=1)
    wanted = np.asarray(labels, np.int64).ravel()
    if len(wanted) == 0 or not np.isin(wanted, (1, 2)).all():
        raise ValueError(f"labels must list classes to blur among 1 (face) and 2 (plate), got {labels!r}")
    return img, st, it, overlap, batch_size, wanted


def detect_photo(image, detector, *, score_threshold: float = 0.5, iou_threshold: float = 0.3,
                 min_face: float = 24.0, max_face: float | None = None, step: float = 1.5, overlap: float = 0.5,
                 batch_size: int = 256, labels=(1, 2)) -> dict:
    """The boxes :func:`blur_photo` would blur, without blurring: the pyramid, the tiles and the NMS.

    Takes the same arguments as :func:`blur_photo` (less the blur) and returns a
    ``{"boxes", "scores", "labels"}`` dict in the photo's pixels. The batch pipeline's
    detection stage calls it on full-size tiles.

    Examples
    --------
    >>> from mlsd_lib.detection.models import OneStageDetector
    >>> detect_photo(np.zeros((80, 80), np.uint8), OneStageDetector(), score_threshold=0.99)["boxes"].shape
    (0, 4)
    """
    img, st, it, overlap, batch_size, wanted = _prepare(image, detector, score_threshold, iou_threshold, overlap,
                                                        batch_size, labels)
    return _detect(img, detector, st, it, min_face, max_face, step, overlap, batch_size, wanted)[0]


def _detect(img, detector, st, it, min_face, max_face, step, overlap, batch_size, wanted):
    h, w = img.shape[:2]
    scales = photo_scales(h, w, min_face, max_face, step)
    tile = int(detector.image_size)
    stride = max(1, int(round(tile * (1 - overlap))))
    grey = _grey01(img)
    crops, origins = [], []
    for s in scales:
        c, corners, (lh, lw) = _tiles(grey, s, tile, stride)
        crops.append(c)
        # a box at (x, y) in a tile of level s lies at (corner + (x, y)) / s in the photo
        origins += [(cx, cy, w / lw, h / lh) for cx, cy in corners]
    crops = np.concatenate(crops)
    boxes, scores, labs = [], [], []
    for lo in range(0, len(crops), batch_size):
        dets = detector.detect(crops[lo:lo + batch_size], score_threshold=st, iou_threshold=1.0, max_detections=50)
        for d, (cx, cy, fx, fy) in zip(dets, origins[lo:lo + batch_size], strict=True):
            keep = np.isin(d["labels"], wanted)
            if keep.any():
                b = (d["boxes"][keep] + [cx, cy, cx, cy]) * [fx, fy, fx, fy]
                boxes.append(b)
                scores.append(d["scores"][keep])
                labs.append(d["labels"][keep])
    if boxes:
        b = np.clip(np.concatenate(boxes), 0, [w, h, w, h])
        s, lab = np.concatenate(scores), np.concatenate(labs)
        ok = (b[:, 2] - b[:, 0] >= 1) & (b[:, 3] - b[:, 1] >= 1)     # boxes clipped to nothing are dropped
        b, s, lab = b[ok], s[ok], lab[ok]
        keep = batched_nms(b, s, lab, it)
        b, s, lab = b[keep], s[keep], lab[keep]
    else:
        b, s, lab = np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64)
    return {"boxes": b, "scores": s, "labels": lab.astype(np.int64)}, scales, len(crops)


def _xyxy(boxes, name: str) -> np.ndarray:
    arr = as_array(boxes, name, ndim=(1, 2), allow_empty=True)
    arr = arr.reshape(-1, 4) if arr.size in (0, 4) or (arr.ndim == 2 and arr.shape[1] == 4) else None
    if arr is None:
        raise ValueError(f"{name} must be an (n, 4) array of xyxy boxes")
    if ((arr[:, 2] < arr[:, 0]) | (arr[:, 3] < arr[:, 1])).any():
        raise ValueError(f"{name} must be xyxy with x1 <= x2 and y1 <= y2")
    return arr


def score_blurs(boxes, faces, min_cover: float = 0.5) -> tuple[np.ndarray, int]:
    """Which marked faces a set of blurred boxes hides, and how many boxes blur no face.

    A face counts as **hidden** when the union of ``boxes`` covers at least ``min_cover`` of
    its marked box (for privacy what matters is how much of the face is blurred, not whether
    one box lines up with it). A box is a **false blur** when less than half of its area lies
    on marked faces. Both are xyxy arrays in the photo's pixels.

    Returns ``(hidden, false_blurs)``: a bool array, one per face, and an int.

    Examples
    --------
    >>> hidden, false = score_blurs([[0, 0, 10, 10], [50, 50, 60, 60]], [[0, 0, 10, 20], [30, 0, 40, 10]])
    >>> hidden.tolist(), false
    ([True, False], 1)
    """
    b, f = _xyxy(boxes, "boxes"), _xyxy(faces, "faces")
    min_cover = check_float(min_cover, "min_cover", low=0.0, high=1.0, low_open=True)
    hidden = np.zeros(len(f), bool)
    for k, (x1, y1, x2, y2) in enumerate(f):
        w, h = int(np.ceil(x2 - x1)), int(np.ceil(y2 - y1))
        if w < 1 or h < 1:
            continue
        mask = np.zeros((h, w), bool)
        for bx1, by1, bx2, by2 in b - [x1, y1, x1, y1]:
            mask[max(0, int(np.floor(by1))):max(0, int(np.ceil(by2))), max(0, int(np.floor(bx1))):max(0, int(np.ceil(bx2)))] = True
        hidden[k] = mask.mean() >= min_cover
    false = 0
    for bx1, by1, bx2, by2 in b:
        area = max((bx2 - bx1) * (by2 - by1), 1e-9)
        on = sum(max(0.0, min(bx2, fx2) - max(bx1, fx1)) * max(0.0, min(by2, fy2) - max(by1, fy1))
                 for fx1, fy1, fx2, fy2 in f)
        false += int(on / area < 0.5)
    return hidden, false


def score_photos(found: dict, photos: list, min_iou: float = 0.3, score_threshold: float = 0.0):
    """One method's boxes on the real-photo set, scored photo by photo: a table.

    ``found`` maps each photo's ``name`` to a ``{"boxes", "scores", "labels"}`` dict (what
    :func:`detect_photo`, ``PhotoBlur.detections()`` or a baseline returns); ``photos`` is
    :func:`load_real_photos`' list. Boxes scoring below ``score_threshold`` are dropped first.
    Per photo: ``faces``; ``faces hidden`` (:func:`score_blurs`: at least half of a face under
    blurred boxes, whatever their class); ``faces located`` (a face box, label 1, with IoU at
    least ``min_iou`` with the marked face: a large box can hide a face without finding it);
    and ``false blurs``.

    Examples
    --------
    >>> photo = {"name": "p", "pose": "frontal", "faces": np.array([[10., 10., 30., 30.]])}
    >>> found = {"p": {"boxes": np.array([[0., 0., 40., 40.], [50., 50., 60., 60.]]),
    ...                "scores": np.array([0.9, 0.8]), "labels": np.array([1, 1])}}
    >>> score_photos(found, [photo])[["faces hidden", "faces located", "false blurs"]].to_numpy().tolist()
    [[1, 0, 2]]

    The large box hides the face but is no face box of its own (IoU 0.25), and, with three
    quarters of its area off the face, it is a false blur, as is the box away from the face.
    """
    import pandas as pd

    from mlsd_lib.detection.boxes import box_iou

    min_iou = check_float(min_iou, "min_iou", low=0.0, high=1.0, low_open=True)
    score_threshold = check_float(score_threshold, "score_threshold", low=0.0, high=1.0)
    if not isinstance(photos, list | tuple) or not photos:
        raise ValueError("photos must be a non-empty list of photo dicts (see load_real_photos)")
    if not isinstance(found, dict) or (missing := [p["name"] for p in photos if p["name"] not in found]):
        raise ValueError(f"found must map every photo's name to its detections; missing: {missing if isinstance(found, dict) else 'all'}")
    rows = []
    for p in photos:
        d = found[p["name"]]
        keep = np.asarray(d["scores"]) >= score_threshold
        boxes, labels = _xyxy(np.asarray(d["boxes"])[keep], "boxes"), np.asarray(d["labels"])[keep]
        faces = _xyxy(p["faces"], "faces")
        hidden, false = score_blurs(boxes, faces)
        located = (box_iou(boxes[labels == 1], faces) >= min_iou).any(0)
        rows.append({"photo": p["name"], "pose": p["pose"], "faces": len(faces), "faces hidden": int(hidden.sum()),
                     "faces located": int(located.sum()), "false blurs": false})
    return pd.DataFrame(rows)


def load_real_photos() -> list[dict]:
    """The chapter's real-photo evaluation set: every photo with a person that the packages ship.

    Reads the hand-marked face boxes of ``data/real_photos/faces.csv`` (provenance per row)
    and loads each photo from its package: scikit-image's ``astronaut`` and ``camera``,
    matplotlib's ``grace_hopper.jpg``, and ``astronaut_turned``, the astronaut with her face
    turned by :func:`~mlsd_lib.detection.scenes.turn_face` (no three-quarter view ships), whose
    box is mapped through the same transform. Returns one dict per photo: ``name``, ``image``
    (uint8, as the package ships it: RGB or grey), ``faces`` (xyxy), ``pose``, ``source``.

    Examples
    --------
    >>> photos = load_real_photos()
    >>> [p["name"] for p in photos], photos[0]["faces"].shape
    (['astronaut', 'camera', 'grace_hopper', 'astronaut_turned'], (1, 4))
    """
    import matplotlib.cbook as cbook
    import matplotlib.pyplot as plt
    import pandas as pd
    import skimage.data as skd

    from mlsd_lib.data.provenance import DATA_DIR
    from mlsd_lib.detection.scenes import turn_face

    table = pd.read_csv(DATA_DIR / "real_photos" / "faces.csv")
    grace = plt.imread(cbook.get_sample_data("grace_hopper.jpg"))
    turned = skd.astronaut().copy()
    x1, y1, x2, y2 = TURNED_REGION
    turned[y1:y2, x1:x2] = turn_face(turned[y1:y2, x1:x2], TURN_AMOUNT)
    images = {"astronaut": skd.astronaut(), "camera": skd.camera(), "grace_hopper": np.asarray(grace),
              "astronaut_turned": turned}
    out = []
    for name, rows in table.groupby("photo", sort=False):
        faces = rows[["x", "y", "w", "h"]].to_numpy(float)
        faces[:, 2:] += faces[:, :2]
        if name == "astronaut_turned":
            faces = _turned_boxes(faces)
        out.append({"name": name, "image": images[name], "faces": faces, "pose": rows["pose"].iloc[0],
                    "source": rows["source"].iloc[0]})
    return out


def _turned_boxes(faces: np.ndarray) -> np.ndarray:
    """Map x edges of boxes inside :data:`TURNED_REGION` through :func:`turn_face`'s warp."""
    from mlsd_lib.detection.scenes import turn_face

    x1, _, x2, _ = TURNED_REGION
    ramp = turn_face(np.tile(np.arange(x2 - x1, dtype=np.float32), (2, 1)), TURN_AMOUNT)[0]   # source x per output x
    out = faces.copy()
    for k in (0, 2):
        out[:, k] = x1 + np.interp(faces[:, k] - x1, ramp, np.arange(x2 - x1))
    return out
