"""Chapter 5: harmful content detection.

``simulator`` (posts with planted harm and two label sets), ``features`` (the fused feature
vector), ``models`` (early and late fusion, the four framings), ``evaluate`` (per-positive
decompositions of PR-AUC and ROC-AUC, thresholds), ``enforcement`` (removal, demotion, the
review queue, the simulated platform), ``widgets`` (the post composer).
"""
