"""Offline metrics of Table 1.4: classification, regression, ranking and list diversity."""

from mlsd_lib.metrics.classification import (
    accuracy,
    average_precision,
    classification_report,
    confusion_matrix,
    f1_score,
    precision,
    precision_recall_curve,
    recall,
    roc_auc,
    roc_curve,
)
from mlsd_lib.metrics.diversity import catalogue_coverage, intra_list_similarity
from mlsd_lib.metrics.ranking import (
    average_precision_at_k,
    dcg_at_k,
    mean_average_precision,
    mean_reciprocal_rank,
    ndcg_at_k,
    precision_at_k,
    ranking_report,
    recall_at_k,
    reciprocal_rank,
    relevance_from_ids,
)
from mlsd_lib.metrics.regression import (
    mean_absolute_error,
    mean_squared_error,
    root_mean_squared_error,
)

__all__ = [
    "accuracy", "average_precision", "classification_report", "confusion_matrix", "f1_score",
    "precision", "precision_recall_curve", "recall", "roc_auc", "roc_curve",
    "average_precision_at_k", "dcg_at_k", "mean_average_precision", "mean_reciprocal_rank",
    "ndcg_at_k", "precision_at_k", "ranking_report", "recall_at_k", "reciprocal_rank",
    "relevance_from_ids", "mean_absolute_error", "mean_squared_error", "root_mean_squared_error",
    "catalogue_coverage", "intra_list_similarity",
]
