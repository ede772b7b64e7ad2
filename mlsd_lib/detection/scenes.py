"""Composite street scenes with planted ground truth: real faces, rendered plates, real photos.

No box-annotated street data ships offline, so this module builds it. Every scene is a crop
of a real photo that ships with scikit-image or scikit-learn, with objects pasted at known
places, so the boxes are exact by construction:

- **faces**: the 100 real face crops of scikit-image's ``lfw_subset`` (Labeled Faces in the
  Wild), split by person: 55 for training scenes, 15 for validation scenes and 30 for test
  scenes, so no person is in two splits;
- **licence plates**: rendered here: random characters on a light plate with a dark border,
  then a random perspective tilt, blur and lighting change;
- **hard negatives** (not annotated): the 100 non-face crops of ``lfw_subset`` (textures
  that a face detector may take for faces) and, when asked, street signs: light text on a
  dark board, the shape of a plate (text that is not a plate).

Scale, position, count and occlusion vary at random. With ``pose > 0`` a pasted face (and,
so that shape is no shortcut, a pasted texture) is also mirrored, rotated a few degrees and
turned: :func:`turn_face` squeezes one half of the face and widens the other, a documented
synthetic stand-in for a three-quarter or side view; ``oval=True`` pastes both through a
soft oval mask, so that no detector can learn "a square patch with sharp edges" for a face.
Training, validation and test scenes use different people, and training scenes a different
half of each background photo. Images are grey, float32 in
[0, 1]. Annotations come in the source's Table 3.1 form, ``[x, y, w, h]`` with a class.

Introduced in chapter 3, "Data preparation".
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from mlsd_lib._validation import check_choice, check_float, check_ids, check_int, check_random_state

__all__ = ["CLASS_NAMES", "SceneSet", "make_scenes", "render_plate", "render_sign", "load_sources",
           "ObjectSources", "turn_face", "SPLITS"]

CLASS_NAMES = {1: "human face", 2: "license plate"}
_BACKGROUNDS = ("brick", "grass", "gravel", "coffee", "chelsea", "rocket", "clock", "coins", "moon")


@dataclass(frozen=True)
class ObjectSources:
    """The real pictures scenes are made of (see :func:`load_sources`)."""

    faces: np.ndarray            # (100, 25, 25) real faces
    textures: np.ndarray         # (100, 25, 25) real non-face patches (hard negatives)
    backgrounds: tuple           # grey float photos
    face_split: np.ndarray       # 0 for a training face, 1 for a test face, 2 for a validation face


@lru_cache(maxsize=1)
def load_sources() -> ObjectSources:
    """Faces, non-face textures and grey background photos, from installed packages only.

    Examples
    --------
    >>> s = load_sources()
    >>> s.faces.shape, [int((s.face_split == k).sum()) for k in (0, 2, 1)], len(s.backgrounds)
    ((100, 25, 25), [55, 15, 30], 11)
    """
    import skimage.data as skd
    from skimage.color import rgb2gray
    from sklearn.datasets import load_sample_images

    lfw = skd.lfw_subset().astype(np.float32)          # first 100 faces, then 100 non-faces
    photos = [getattr(skd, name)() for name in _BACKGROUNDS] + list(load_sample_images().images)
    grey = []
    for im in photos:
        im = np.asarray(im)
        g = rgb2gray(im[..., :3]) if im.ndim == 3 else im / (255.0 if im.max() > 1 else 1.0)
        grey.append(np.ascontiguousarray(g, dtype=np.float32))
    split = np.zeros(100, np.int64)
    order = np.random.default_rng(0).permutation(100)
    split[order[:30]] = 1          # the test people (the same 30 since the chapter began)
    split[order[85:]] = 2          # 15 validation people, taken from the former training people
    return ObjectSources(lfw[:100], lfw[100:], tuple(grey), split)


def _text(rng, n: int) -> str:
    return "".join(rng.choice(list(string.ascii_uppercase + string.digits), n))


def _warp(patch: np.ndarray, rng, tilt: float):
    """A random perspective tilt of a canonical patch; returns (patch, mask)."""
    import cv2

    h, w = patch.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = rng.uniform(-tilt, tilt, (4, 2)) * [w, h]
    dst = np.float32(np.clip(src + jitter, 0, [w, h]))
    m = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(patch, m, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones_like(patch), m, (w, h), flags=cv2.INTER_LINEAR)
    return out, mask


def _board(text: str, fg: float, bg: float, border: float | None):
    import cv2

    img = np.full((40, 130), bg, np.float32)
    if border is not None:
        cv2.rectangle(img, (1, 1), (128, 38), float(border), 3)
    cv2.putText(img, text, (8, 31), cv2.FONT_HERSHEY_SIMPLEX, 1.05, float(fg), 3, cv2.LINE_AA)
    return img


def _shrink(patch: np.ndarray, mask: np.ndarray, w: int, h: int, rng):
    import cv2

    small = cv2.resize(patch, (w, h), interpolation=cv2.INTER_AREA)
    m = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        small = cv2.GaussianBlur(small, (3, 3), rng.uniform(0.3, 0.9))
    return np.clip(small * rng.uniform(0.6, 1.15), 0, 1), m


def render_plate(width: int, height: int, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """A licence plate ``width`` x ``height`` px: dark characters on a light, bordered plate.

    Returns ``(patch, mask)``, both float32 ``(height, width)``; ``mask`` is the plate's shape
    after the perspective tilt (1 inside). Characters, tilt, blur and lighting are random.

    Examples
    --------
    >>> p, m = render_plate(24, 8, seed=0)
    >>> p.shape, float(m.max()) <= 1.0
    ((8, 24), True)
    """
    width, height = check_int(width, "width", low=4), check_int(height, "height", low=2)
    rng = check_random_state(seed)
    board = _board(_text(rng, 7), rng.uniform(0.0, 0.25), rng.uniform(0.75, 1.0), rng.uniform(0.0, 0.3))
    return _shrink(*_warp(board, rng, 0.08), width, height, rng)


def render_sign(width: int, height: int, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """A street sign the shape of a plate: light words on a dark board, no border (a hard negative).

    Examples
    --------
    >>> p, m = render_sign(24, 8, seed=0)
    >>> p.shape
    (8, 24)
    """
    width, height = check_int(width, "width", low=4), check_int(height, "height", low=2)
    rng = check_random_state(seed)
    words = rng.choice(["MAIN ST", "STOP", "OAK AVE", "EXIT 4", "PARK", "ONE WAY", "BUS"])
    board = _board(str(words), rng.uniform(0.8, 1.0), rng.uniform(0.05, 0.35), None)
    return _shrink(*_warp(board, rng, 0.08), width, height, rng)


@dataclass
class SceneSet:
    """Scenes and their planted ground truth.

    ``images``: (n, size, size) float32 in [0, 1]. ``boxes[i]``: (m, 4) xyxy of image i's
    objects; ``labels[i]``: their classes (1 face, 2 plate). ``negatives[i]``: (k, 4) xyxy of
    the hard negatives pasted in image i (not objects), ``negative_kinds[i]`` their kinds
    (``"texture"`` or ``"sign"``). ``sources[i]``: per object, the index of the real face in
    ``lfw_subset`` it shows (-1 for a plate), for the identity check after blurring.
    """

    images: np.ndarray
    boxes: list
    labels: list
    negatives: list = field(default_factory=list)
    negative_kinds: list = field(default_factory=list)
    sources: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    def ground_truth(self) -> list[dict]:
        """Per-image ``{"boxes", "labels"}`` dicts, the form :mod:`mlsd_lib.detection.evaluate` reads."""
        return [{"boxes": b, "labels": lab} for b, lab in zip(self.boxes, self.labels, strict=True)]

    def subset(self, idx) -> SceneSet:
        """The scenes at positions ``idx``."""
        idx = check_ids(idx, "idx", len(self), ndim=(0, 1), allow_empty=True, of="scenes").ravel()
        pick = [int(i) for i in idx]
        return SceneSet(self.images[idx], [self.boxes[i] for i in pick], [self.labels[i] for i in pick],
                        [self.negatives[i] for i in pick] if self.negatives else [],
                        [self.negative_kinds[i] for i in pick] if self.negative_kinds else [],
                        [self.sources[i] for i in pick] if self.sources else [])

    def concat(self, other: SceneSet) -> SceneSet:
        """These scenes followed by ``other``'s."""
        if not isinstance(other, SceneSet):
            raise TypeError(f"other must be a SceneSet, got {type(other).__name__}")
        if other.images.shape[1:] != self.images.shape[1:]:
            raise ValueError("other must hold scenes of the same size")
        def both(a, b, n_a, n_b):
            return (a or [[] for _ in range(n_a)]) + (b or [[] for _ in range(n_b)])

        n_a, n_b = len(self), len(other)
        return SceneSet(np.concatenate([self.images, other.images]), self.boxes + other.boxes,
                        self.labels + other.labels, both(self.negatives, other.negatives, n_a, n_b),
                        both(self.negative_kinds, other.negative_kinds, n_a, n_b),
                        both(self.sources, other.sources, n_a, n_b))

    def annotations(self):
        """The annotations as a table in the source's Table 3.1 form: image, object, [x, y, w, h]."""
        import pandas as pd

        rows = []
        for i, (b, lab) in enumerate(zip(self.boxes, self.labels, strict=True)):
            for box, c in zip(b, lab, strict=True):
                x, y, x2, y2 = (int(round(float(v))) for v in box)
                rows.append({"image": f"scenes/{i:05d}.png", "object": CLASS_NAMES[int(c)],
                             "bounding box [x, y, w, h]": [x, y, x2 - x, y2 - y]})
        return pd.DataFrame(rows, columns=["image", "object", "bounding box [x, y, w, h]"])


SPLITS = {"train": 0, "val": 2, "test": 1}


def turn_face(patch, amount: float) -> np.ndarray:
    """A synthetic turned head: the face's midline moves sideways, one half squeezed, one widened.

    ``amount`` in [-1, 1]: 0 leaves the patch as it is; 0.5 moves the midline a quarter of the
    way to the left edge (the left half shrinks to half its width, the right half grows to
    fill), roughly a three-quarter view; negative values turn the other way. A crude stand-in
    for a real side view (no occlusion of the far cheek, no new ear), documented as such;
    works on grey ``(h, w)`` and colour ``(h, w, 3)`` patches.

    Examples
    --------
    >>> p = np.tile(np.linspace(0, 1, 9, dtype=np.float32), (4, 1))
    >>> turn_face(p, 0.0).round(2).tolist() == p.round(2).tolist()
    True
    >>> float(turn_face(p, 0.5)[0, 2]) > float(p[0, 2])    # the left half is squeezed
    True
    """
    import cv2

    amount = check_float(amount, "amount", low=-1.0, high=1.0)
    img = np.asarray(patch)
    if img.ndim not in (2, 3) or min(img.shape[:2]) < 2:
        raise ValueError(f"patch must be (h, w) or (h, w, c) with h, w >= 2, got shape {img.shape}")
    h, w = img.shape[:2]
    mid, new_mid = (w - 1) / 2, (w - 1) / 2 * (1 - 0.5 * amount) if amount >= 0 else \
        (w - 1) / 2 + (w - 1) / 2 * (0.5 * -amount)
    x = np.arange(w, dtype=np.float32)
    src_x = np.where(x <= new_mid, x * mid / max(new_mid, 1e-6),
                     mid + (x - new_mid) * (w - 1 - mid) / max(w - 1 - new_mid, 1e-6)).astype(np.float32)
    map_x = np.tile(src_x, (h, 1))
    map_y = np.tile(np.arange(h, dtype=np.float32)[:, None], (1, w))
    src = img.astype(np.float32) if img.dtype != np.float32 else img
    out = cv2.remap(src, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out.astype(img.dtype) if np.issubdtype(img.dtype, np.floating) else \
        np.clip(np.rint(out), 0, np.iinfo(img.dtype).max).astype(img.dtype)


def _posed(crop, pw, ph, rng, pose: float, oval: bool):
    """A face or texture crop at ``pw`` x ``ph`` px, maybe mirrored, rotated and turned, and its mask."""
    import cv2

    patch = cv2.resize(crop, (pw, ph), interpolation=cv2.INTER_AREA)
    if pose > 0 and rng.random() < pose:
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        patch = turn_face(np.ascontiguousarray(patch), float(rng.uniform(-0.8, 0.8)))
        m = cv2.getRotationMatrix2D(((pw - 1) / 2, (ph - 1) / 2), float(rng.uniform(-12, 12)), 1.0)
        patch = cv2.warpAffine(patch, m, (pw, ph), borderMode=cv2.BORDER_REPLICATE)
    if not oval:
        return patch, np.ones_like(patch)
    yy, xx = np.mgrid[0:ph, 0:pw].astype(np.float32)
    r = np.sqrt(((xx - (pw - 1) / 2) / (pw / 2)) ** 2 + ((yy - (ph - 1) / 2) / (ph / 2)) ** 2)
    return patch, np.clip((1.08 - r) / 0.25, 0, 1).astype(np.float32)


def _free(box, taken, max_iou=0.15):
    from mlsd_lib.detection.boxes import box_iou

    return not taken or box_iou(np.asarray([box]), np.asarray(taken)).max() <= max_iou


def _paste(canvas, patch, mask, x, y):
    h, w = patch.shape
    region = canvas[y:y + h, x:x + w]
    canvas[y:y + h, x:x + w] = region * (1 - mask) + patch * mask


def make_scenes(n: int, size: int = 64, seed=0, split: str = "train", max_faces: int = 2, max_plates: int = 2,
                textures: float = 0.5, signs: float = 0.0, occlusion: float = 0.2,
                face_px: tuple[int, int] = (10, 22), plate_px: tuple[int, int] = (16, 30), pose: float = 0.0,
                oval: bool = False, people=None) -> SceneSet:
    """``n`` composite scenes of ``size``² px with planted faces, plates and hard negatives.

    Parameters
    ----------
    n, size : how many scenes, and their side in pixels.
    seed : random seed (an int or a ``np.random.Generator``).
    split : ``"train"``, ``"val"`` or ``"test"``: which people's faces (see :data:`SPLITS`;
        no person is in two splits), and which half of each background photo (training
        scenes the left half, validation and test scenes the right half).
    max_faces, max_plates : up to this many of each per scene (uniform from 0).
    textures : expected number of non-face face-sized textures per scene (hard negatives).
    signs : expected number of plate-shaped street signs per scene (hard negatives).
    occlusion : probability that an object is partly covered by a patch of background.
    face_px, plate_px : the range of face sides and plate widths in pixels.
    pose : probability that a face or texture is mirrored, rotated up to 12 degrees and turned
        by :func:`turn_face` (a synthetic three-quarter or side view).
    oval : paste faces and textures through a soft oval mask instead of as square patches.
    people : restrict the faces to these ``lfw_subset`` indices (all of them in ``split``);
        ``None`` uses every person of the split.

    Examples
    --------
    >>> s = make_scenes(3, seed=0)
    >>> s.images.shape, s.images.dtype, len(s.boxes)
    ((3, 64, 64), dtype('float32'), 3)
    """
    import cv2

    n = check_int(n, "n", low=1)
    size = check_int(size, "size", low=32)
    split = check_choice(split, "split", tuple(SPLITS))
    max_faces, max_plates = check_int(max_faces, "max_faces", low=0), check_int(max_plates, "max_plates", low=0)
    textures = check_float(textures, "textures", low=0.0, high=5.0)
    signs = check_float(signs, "signs", low=0.0, high=5.0)
    occlusion = check_float(occlusion, "occlusion", low=0.0, high=1.0)
    pose = check_float(pose, "pose", low=0.0, high=1.0)
    if not isinstance(oval, bool | np.bool_):
        raise TypeError(f"oval must be True or False, got {oval!r}")
    for name, (lo, hi) in (("face_px", face_px), ("plate_px", plate_px)):
        check_int(lo, name, low=4)
        check_int(hi, name, low=lo, high=size // 2)
    rng = check_random_state(seed)
    src = load_sources()
    face_ids = np.flatnonzero(src.face_split == SPLITS[split])
    if people is not None:
        chosen = np.unique(check_ids(people, "people", len(src.faces), of="lfw_subset faces"))
        if len(chosen) == 0 or not np.isin(chosen, face_ids).all():
            raise ValueError(f"people must be a non-empty list of {split!r} people (see load_sources().face_split)")
        face_ids = chosen
    images = np.empty((n, size, size), np.float32)
    boxes, labels, negatives, kinds, sources = [], [], [], [], []
    for i in range(n):
        bg = src.backgrounds[rng.integers(len(src.backgrounds))]
        h, w = bg.shape
        half = (0, w // 2) if split == "train" else (w // 2, w)     # disjoint halves of each photo
        side = int(rng.integers(size, max(size + 1, min(h, half[1] - half[0], 4 * size))))
        y0 = int(rng.integers(0, h - side + 1))
        x0 = int(rng.integers(half[0], half[1] - side + 1))
        canvas = cv2.resize(bg[y0:y0 + side, x0:x0 + side], (size, size), interpolation=cv2.INTER_AREA)
        canvas = np.clip(canvas * rng.uniform(0.7, 1.2), 0, 1).astype(np.float32)
        taken, b_i, l_i, n_i, k_i, s_i = [], [], [], [], [], []
        plan = ([1] * int(rng.integers(0, max_faces + 1)) + [2] * int(rng.integers(0, max_plates + 1))
                + ["texture"] * int(rng.poisson(textures)) + ["sign"] * int(rng.poisson(signs)))
        for kind in rng.permutation(np.array(plan, dtype=object)) if plan else []:
            for _ in range(20):                          # a few tries to find free space
                if kind in (1, "texture"):
                    pw = ph = int(rng.integers(face_px[0], face_px[1] + 1))
                else:
                    pw = int(rng.integers(plate_px[0], plate_px[1] + 1))
                    ph = max(4, int(round(pw * rng.uniform(0.28, 0.4))))
                x, y = int(rng.integers(0, size - pw + 1)), int(rng.integers(0, size - ph + 1))
                box = [float(x), float(y), float(x + pw), float(y + ph)]
                if _free(box, taken):
                    break
            else:
                continue
            taken.append(box)
            who = -1
            if kind == 1 or kind == "texture":
                pool = face_ids if kind == 1 else np.arange(100)
                who = int(rng.choice(pool))
                crop = (src.faces if kind == 1 else src.textures)[who]
                patch, mask = _posed(crop, pw, ph, rng, pose, oval)
                patch = patch * rng.uniform(0.7, 1.2)
            elif kind == 2:
                patch, mask = render_plate(pw, ph, rng)
            else:
                patch, mask = render_sign(pw, ph, rng)
            _paste(canvas, np.clip(patch, 0, 1), mask, x, y)
            if kind in (1, 2):
                b_i.append(box)
                l_i.append(int(kind))
                s_i.append(who if kind == 1 else -1)
                if rng.random() < occlusion:             # a bit of background covers one corner
                    ow, oh = max(2, int(pw * rng.uniform(0.2, 0.45))), max(2, int(ph * rng.uniform(0.2, 0.45)))
                    ox = x if rng.random() < 0.5 else x + pw - ow
                    oy = y if rng.random() < 0.5 else y + ph - oh
                    sx, sy = int(rng.integers(0, size - ow)), int(rng.integers(0, size - oh))
                    canvas[oy:oy + oh, ox:ox + ow] = canvas[sy:sy + oh, sx:sx + ow].copy()
            else:
                n_i.append(box)
                k_i.append(kind)
        images[i] = np.clip(canvas + rng.normal(0, 0.01, canvas.shape), 0, 1)
        boxes.append(np.asarray(b_i, np.float64).reshape(-1, 4))
        labels.append(np.asarray(l_i, np.int64))
        negatives.append(np.asarray(n_i, np.float64).reshape(-1, 4))
        kinds.append(list(k_i))
        sources.append(np.asarray(s_i, np.int64))
    return SceneSet(images, boxes, labels, negatives, kinds, sources)
