"""Object detection for the Street View blurring system (source ch. 3).

Modules, by concern:

- ``boxes``: box formats ([x, y, w, h] as in source Table 3.1, and corner form), IoU, the
  box-regression offsets;
- ``anchors``: the anchor grid and the matching of anchors to ground-truth boxes;
- ``suppression``: non-maximum suppression (``nms``), plain and class-aware;
- ``roi``: RoI pooling and RoI align in plain torch;
- ``models``: a two-stage (RPN + RoI head) and a one-stage (dense head) detector;
- ``evaluate``: precision at an IoU threshold, AP (VOC 11-point, all-point, COCO 101-point),
  mAP, and the errors by kind;
- ``blur``: Gaussian and pixelation blurring of detected regions;
- ``scenes``: composite street scenes with planted ground truth;
- ``mining``: simulated user reports and hard-negative mining;
- ``pipeline``: the batch blurring pipeline, stage by stage;
- ``photo``: blurring a real photograph of any size (an image pyramid of tiles) and the
  chapter's small real-photo evaluation set;
- ``lineage``: R-CNN, Fast R-CNN and Faster R-CNN timed on the same scenes;
- ``viz``, ``widgets``: figures and the chapter's interactive demos.

Every public name is re-exported here.

Introduced in chapter 3, "Framing the problem as an ML task".
"""

from mlsd_lib.detection.anchors import AnchorMatch, make_anchors, match_anchors, match_batch
from mlsd_lib.detection.baselines import cascade_faces, haar_detect, ssd_faces
from mlsd_lib.detection.blur import blur_regions, identity_leak, nearest_identity
from mlsd_lib.detection.boxes import box_iou, decode_boxes, encode_boxes, xywh_to_xyxy, xyxy_to_xywh
from mlsd_lib.detection.evaluate import (
    COCO_THRESHOLDS,
    box_ap,
    box_map,
    check_detections,
    error_breakdown,
    evaluate_detections,
    match_image,
    per_image_counts,
    pr_curve,
    precision_from_ious,
)
from mlsd_lib.detection.lineage import candidate_windows, time_lineage
from mlsd_lib.detection.mining import mine_hard_examples, simulate_reports
from mlsd_lib.detection.models import (
    ANCHOR_SHAPES,
    Backbone,
    OneStageDetector,
    TwoStageDetector,
    make_batch,
)
from mlsd_lib.detection.photo import (
    PhotoBlur,
    blur_photo,
    detect_photo,
    load_real_photos,
    photo_scales,
    score_blurs,
    score_photos,
)
from mlsd_lib.detection.pipeline import (
    STAGE_POOLS,
    STAGES,
    PipelineReport,
    encode_image,
    pipeline_stages,
    preprocess,
    run_batch,
    stage_scaling,
)
from mlsd_lib.detection.roi import roi_align, roi_pool
from mlsd_lib.detection.scenes import (
    CLASS_NAMES,
    SPLITS,
    ObjectSources,
    SceneSet,
    load_sources,
    make_scenes,
    render_plate,
    render_sign,
    turn_face,
)
from mlsd_lib.detection.suppression import batched_nms, nms
from mlsd_lib.detection.train import (
    DetectorRun,
    augment_offline,
    train_detector,
    training_flops_per_image,
)
from mlsd_lib.detection.viz import (
    plot_accuracy_speed,
    plot_arms_by_seed,
    plot_error_kinds,
    plot_mined_examples,
    plot_pr_curves,
    show_detections,
)
from mlsd_lib.detection.widgets import blur_viewer, threshold_explorer, threshold_state

__all__ = [
    "AnchorMatch", "make_anchors", "match_anchors", "match_batch", "haar_detect", "blur_regions", "nearest_identity", "identity_leak",
    "box_iou", "decode_boxes", "encode_boxes", "xywh_to_xyxy", "xyxy_to_xywh", "COCO_THRESHOLDS",
    "box_ap", "box_map", "check_detections", "error_breakdown", "evaluate_detections", "match_image",
    "per_image_counts", "pr_curve", "precision_from_ious", "mine_hard_examples",
    "simulate_reports", "ANCHOR_SHAPES", "Backbone", "OneStageDetector", "TwoStageDetector", "make_batch",
    "batched_nms", "nms", "STAGES", "STAGE_POOLS", "PipelineReport", "encode_image", "preprocess", "run_batch",
    "pipeline_stages", "stage_scaling", "roi_align",
    "roi_pool", "CLASS_NAMES", "ObjectSources", "SceneSet", "load_sources", "make_scenes", "render_plate",
    "render_sign", "DetectorRun", "augment_offline", "train_detector", "training_flops_per_image", "plot_error_kinds", "plot_pr_curves",
    "plot_accuracy_speed", "plot_arms_by_seed", "plot_mined_examples",
    "show_detections", "blur_viewer", "threshold_explorer", "threshold_state", "cascade_faces", "ssd_faces", "candidate_windows",
    "time_lineage", "PhotoBlur", "blur_photo", "detect_photo", "load_real_photos", "photo_scales", "score_blurs", "score_photos", "turn_face", "SPLITS",
]
