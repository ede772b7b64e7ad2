"""Recommendation systems (source ch. 6, "Video Recommendation System").

One concern per module, in the order data flows:

- ``base`` — what every recommender shares: the feedback check, top-k lists, ``recommend``
- ``feedback`` — the user-video feedback matrix and per-user relevant sets
- ``mf`` — matrix factorisation with the source's three losses, fitted by SGD or WALS
- ``two_tower`` — the two-tower network (torch)
- ``content`` — item content features and the content-based recommender
- ``baselines`` — most-popular and the ``implicit`` library's ALS
- ``rating_baseline`` — the global + user + item bias rating model (chapter 1's time split)
- ``evaluate`` — offline ranking evaluation of recommendation lists
- ``tuning`` — choices made on validation: the MF grid, the two-tower temperature, SGD vs WALS
- ``cold_start`` — new users (fold-in, two-tower) and new videos (content-based vs CF fold-in)
- ``candidates`` — candidate generators (ANN via :mod:`mlsd_lib.ann`, popular, trending, genre)
- ``rerank`` — filters, de-duplication and the MMR diversity re-ranker
- ``pipeline`` — the three-stage serving pipeline and its latency
- ``simulation`` — a simulated user for online metrics
- ``viz`` — the chapter's larger figures
- ``widgets`` — the chapter's interactive demo

Every public name is re-exported here, so a chapter writes ``from mlsd_lib import recsys as rs``
and calls ``rs.MatrixFactorization``, ``rs.evaluate_lists``...

Introduced in chapter 6.
"""

from mlsd_lib.recsys.base import (
    TopKRecommender,
    check_feedback,
    top_k,
)
from mlsd_lib.recsys.baselines import (
    ImplicitALS,
    MostPopular,
)
from mlsd_lib.recsys.candidates import (
    EmbeddingGenerator,
    PopularGenerator,
    Request,
    SameGenreGenerator,
    TrendingGenerator,
    merge_candidates,
)
from mlsd_lib.recsys.cold_start import (
    cold_start_lists,
    first_likes,
    new_item_cold_start,
)
from mlsd_lib.recsys.content import (
    ContentRecommender,
    content_vectors,
    genre_matrix,
    movie_lengths,
    time_context,
)
from mlsd_lib.recsys.evaluate import (
    candidate_stats,
    compare_lists,
    evaluate_lists,
    mean_scores_per_user,
    paired_precision_difference,
    precision_per_user,
    random_precision,
)
from mlsd_lib.recsys.feedback import (
    FeedbackMatrix,
    build_feedback,
    items_by_time,
    positive_times,
    relevant_sets,
    restrict_relevant,
    row_items,
    withhold_items,
)
from mlsd_lib.recsys.mf import (
    LOSSES,
    PAIR_STEP,
    SOLVERS,
    MatrixFactorization,
    als_step,
    check_factors,
    mf_objective,
    observed_mean_scores,
    unobserved_weight,
)
from mlsd_lib.recsys.pipeline import (
    BlendScorer,
    EmbeddingScorer,
    ExactScan,
    Recommendation,
    RecommendationPipeline,
    TwoTowerScorer,
    blend_top_k,
    latency_table,
    recommend_many,
    rerank_candidates,
    standardise_rows,
)
from mlsd_lib.recsys.rating_baseline import (
    BiasRatingModel,
)
from mlsd_lib.recsys.rerank import (
    dedupe,
    filter_blocked,
    freshness_boost,
    mmr,
)
from mlsd_lib.recsys.simulation import (
    simulate_online,
)
from mlsd_lib.recsys.tuning import (
    SolverRace,
    epochs_to_target,
    fit_and_evaluate_mf,
    mf_grid_search,
    race_solvers,
    select_two_tower,
    sgd_learning_rate,
    time_to_target,
)
from mlsd_lib.recsys.two_tower import (
    TwoTowerModel,
    TwoTowerRecommender,
)
from mlsd_lib.recsys.viz import (
    plot_solver_race,
)
from mlsd_lib.recsys.widgets import (
    recommendation_explorer,
)

__all__ = [
    "TopKRecommender", "check_feedback", "top_k", "FeedbackMatrix", "build_feedback", "items_by_time",
    "positive_times", "relevant_sets", "restrict_relevant", "row_items", "withhold_items", "LOSSES",
    "MatrixFactorization", "PAIR_STEP", "SOLVERS", "als_step", "check_factors", "mf_objective",
    "observed_mean_scores", "unobserved_weight", "TwoTowerModel", "TwoTowerRecommender", "ContentRecommender",
    "content_vectors", "genre_matrix", "movie_lengths", "time_context", "ImplicitALS",
    "MostPopular", "BiasRatingModel", "candidate_stats", "compare_lists", "evaluate_lists",
    "mean_scores_per_user", "paired_precision_difference", "precision_per_user", "random_precision",
    "SolverRace", "epochs_to_target", "fit_and_evaluate_mf", "mf_grid_search", "race_solvers",
    "select_two_tower", "sgd_learning_rate", "time_to_target", "cold_start_lists", "first_likes",
    "new_item_cold_start", "EmbeddingGenerator", "PopularGenerator", "Request", "SameGenreGenerator",
    "TrendingGenerator", "merge_candidates", "dedupe", "filter_blocked", "freshness_boost", "mmr",
    "BlendScorer", "EmbeddingScorer", "ExactScan", "Recommendation", "RecommendationPipeline",
    "TwoTowerScorer", "blend_top_k", "latency_table", "recommend_many", "rerank_candidates",
    "standardise_rows", "simulate_online", "plot_solver_race", "recommendation_explorer",
]
