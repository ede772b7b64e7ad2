"""Chapter 5: harmful content detection.

``simulator`` (posts with planted harm and two label sets), ``features`` (the fused feature
vector), ``models`` (early and late fusion, the four framings), ``evaluate`` (per-positive
decompositions of PR-AUC and ROC-AUC, thresholds), ``enforcement`` (removal, demotion, the
review queue, the simulated platform), ``viz`` (the figures of the chapter's comparisons),
``widgets`` (the post composer).
"""

from mlsd_lib.moderation.enforcement import (
    ACTIONS,
    MAX_TEXT_CHARS,
    EnforcementPolicy,
    PostScorer,
    ReviewQueue,
    ScoredPost,
    simulate_platform,
)
from mlsd_lib.moderation.evaluate import (
    auc_at_positives,
    class_report,
    modality_reliance,
    precision_at_positives,
    threshold_for_precision,
)
from mlsd_lib.moderation.features import (
    AUTHOR_COLUMNS,
    COUNT_COLUMNS,
    HOUR_BUCKETS,
    HOUR_EDGES,
    MODALITIES,
    REACTION_BLOCKS,
    FusedFeatures,
    PostFeaturizer,
    hour_bucket,
    image_pool_features,
    pretrained_image_encoder,
)
from mlsd_lib.moderation.models import (
    FRAMINGS,
    BlendedHarmClassifier,
    BlendedNet,
    FusionNet,
    HarmClassifier,
    blend_weights,
    city_weights,
    class_explanations,
)
from mlsd_lib.moderation.simulator import (
    COMMENTS,
    COUNTRY_SPAM_SIGMA,
    DATA_POOR,
    DEVICES,
    GENDERS,
    HARM_CLASSES,
    HELD_OUT_VOCABULARY,
    MEME_PAIRS,
    MEME_PARAPHRASES,
    MEME_PHRASES,
    NUDITY_IMAGE,
    PHRASINGS,
    VOCABULARY,
    WEAPON_IMAGE,
    Posts,
    comment_vocabulary,
    country_spam_factor,
    meme_confounders,
    sentence_vocabulary,
    simulate_posts,
)
from mlsd_lib.moderation.viz import plot_day_orders, plot_label_noise, plot_seed_comparison
from mlsd_lib.moderation.widgets import (
    draw_decision,
    draw_thresholds,
    post_composer,
    threshold_explorer,
)

__all__ = [
    "COMMENTS", "COUNTRY_SPAM_SIGMA", "DATA_POOR", "DEVICES", "GENDERS", "HARM_CLASSES", "MEME_PAIRS", "MEME_PHRASES",
    "HELD_OUT_VOCABULARY", "MEME_PARAPHRASES", "PHRASINGS", "meme_confounders",
    "NUDITY_IMAGE", "Posts", "VOCABULARY", "WEAPON_IMAGE", "comment_vocabulary", "country_spam_factor", "sentence_vocabulary",
    "simulate_posts", "AUTHOR_COLUMNS", "COUNT_COLUMNS", "FusedFeatures", "HOUR_BUCKETS", "HOUR_EDGES",
    "MODALITIES", "PostFeaturizer", "REACTION_BLOCKS", "hour_bucket",
    "image_pool_features", "pretrained_image_encoder", "FRAMINGS", "BlendedHarmClassifier", "BlendedNet", "FusionNet", "HarmClassifier", "blend_weights", "city_weights", "class_explanations",
    "auc_at_positives", "class_report", "modality_reliance", "precision_at_positives", "threshold_for_precision", "ACTIONS",
    "EnforcementPolicy", "MAX_TEXT_CHARS", "PostScorer", "ReviewQueue", "ScoredPost", "simulate_platform",
    "draw_decision", "draw_thresholds", "post_composer", "threshold_explorer",
    "plot_day_orders", "plot_label_noise", "plot_seed_comparison",
]
