"""Video search (source ch. 4): a rendered video corpus with planted ground truth, the
text–video dual encoder, the fusing layer and the served engine, the auto-tagger, simulated
users and the chapter's widget.

- :mod:`~mlsd_lib.video_search.corpus` — clips, uploads' metadata and searchers' queries
- :mod:`~mlsd_lib.video_search.encoders` — frame-level and video-level towers, text towers, training
- :mod:`~mlsd_lib.video_search.engine` — fusing layer, search engine, ranks of the relevant video
- :mod:`~mlsd_lib.video_search.fingerprint` — clips' content fingerprints for the near-duplicate rule
- :mod:`~mlsd_lib.video_search.evaluation` — metrics with several relevant videos per query
- :mod:`~mlsd_lib.video_search.system` — the served system in one call
- :mod:`~mlsd_lib.video_search.tagging` — the auto-tagger
- :mod:`~mlsd_lib.video_search.online` — CTR, completion and watch time from simulated users
- :mod:`~mlsd_lib.video_search.viz` — the serving section's figures
- :mod:`~mlsd_lib.video_search.widgets` — the search box

Introduced in chapter 4.
"""

from mlsd_lib.video_search.corpus import (
    BACKGROUNDS,
    BOILERPLATE,
    CLASS_WORDS,
    CLICKBAIT,
    COLOURS,
    DIRECTIONS,
    FILLERS,
    OPPOSITE,
    SPEEDS,
    TOPICS,
    UploadHabits,
    VideoCorpus,
    compose_query,
    describe_upload,
    inject_wrong_tags,
    make_query,
    make_video_corpus,
    render_background,
    render_clip,
    reverse_query,
)
from mlsd_lib.video_search.encoders import (
    MEAN,
    STD,
    EmbeddingBagTower,
    FrameEncoder,
    ProjectionTower,
    SparseTextTower,
    SpatioTemporalEncoder,
    TransformerTower,
    TwoStreamEncoder,
    count_macs,
    embed,
    motion_track,
    pad_ids,
    preprocess_clips,
    reset_weights,
    train_dual_encoder,
)
from mlsd_lib.video_search.engine import (
    SearchResponse,
    VideoSearchEngine,
    fuse_candidates,
    fused_ranks,
    normalize_scores,
    rank_metrics,
    ranks_from_scores,
    target_ranks,
)
from mlsd_lib.video_search.evaluation import (
    first_relevant_in_lists,
    first_relevant_ranks,
    fused_lists,
    lists_relevance,
    popularity_buckets,
    ranked_relevance,
    set_metrics,
)
from mlsd_lib.video_search.fingerprint import (
    clip_fingerprints,
)
from mlsd_lib.video_search.online import (
    simulate_sessions,
)
from mlsd_lib.video_search.system import (
    SearchSystem,
    build_search_system,
    train_search_towers,
)
from mlsd_lib.video_search.tagging import (
    ATTRIBUTES,
    AutoTagger,
)
from mlsd_lib.video_search.viz import (
    plot_duplicate_rules,
)
from mlsd_lib.video_search.widgets import (
    search_box,
)

__all__ = [
    "BACKGROUNDS", "BOILERPLATE", "CLASS_WORDS", "CLICKBAIT", "COLOURS", "DIRECTIONS", "FILLERS", "OPPOSITE",
    "SPEEDS", "TOPICS", "UploadHabits", "VideoCorpus", "compose_query", "describe_upload", "inject_wrong_tags", "make_query", "make_video_corpus",
    "render_background", "render_clip", "reverse_query", "EmbeddingBagTower", "FrameEncoder", "MEAN",
    "ProjectionTower", "STD", "SparseTextTower", "SpatioTemporalEncoder", "TransformerTower", "TwoStreamEncoder", "count_macs",
    "embed", "motion_track", "pad_ids", "preprocess_clips", "reset_weights", "train_dual_encoder", "SearchResponse",
    "VideoSearchEngine", "fuse_candidates", "fused_ranks", "normalize_scores", "rank_metrics",
    "ranks_from_scores", "target_ranks", "clip_fingerprints", "first_relevant_in_lists", "first_relevant_ranks", "fused_lists", "lists_relevance", "popularity_buckets",
    "ranked_relevance", "set_metrics", "SearchSystem", "build_search_system", "train_search_towers", "ATTRIBUTES", "AutoTagger", "simulate_sessions", "plot_duplicate_rules", "search_box",
]
