"""Object detection for the Street View blurring system (source ch. 3).

Modules, by concern:

- ``boxes``: box formats ([x, y, w, h] as in source Table 3.1, and corner form), IoU, the
  box-regression offsets;
- ``anchors``: the anchor grid and the matching of anchors to ground-truth boxes;
- ``nms``: non-maximum suppression, plain and class-aware;
- ``roi``: RoI pooling and RoI align in plain torch;
- ``models``: a two-stage (RPN + RoI head) and a one-stage (dense head) detector;
- ``evaluate``: precision at an IoU threshold, AP (VOC 11-point, all-point, COCO 101-point),
  mAP, and the errors by kind;
- ``blur``: Gaussian and pixelation blurring of detected regions;
- ``scenes``: composite street scenes with planted ground truth;
- ``mining``: simulated user reports and hard-negative mining;
- ``pipeline``: the batch blurring pipeline, stage by stage;
- ``viz``, ``widgets``: figures and the chapter's interactive demos.

Introduced in chapter 3, "Framing the problem as an ML task".
"""
