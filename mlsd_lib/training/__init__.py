"""Training in torch, in three rooms (source ch. 1, "Model development").

- ``loop`` — :func:`fit`, the one training loop every chapter's networks run through, with
  its :class:`History`; small MLPs, ``train_network``, ``predict``, the embedding classifier
- ``linear`` — small models with their own optimiser: :class:`LinearClassifier` and the
  learning-curve helpers (:func:`logistic_gd_curve`, :func:`epochs_to_reach`)
- ``distributed`` — data-parallel training on torch.distributed, checked against one process

Introduced in chapter 1, "Model development". Everything is seeded and runs on the CPU.
"""

from mlsd_lib.training.distributed import (
    compare_ddp_over_seeds,
    compare_ddp_to_single_process,
    make_mlp_state,
    train_single_process,
)
from mlsd_lib.training.linear import LinearClassifier, epochs_to_reach, logistic_gd_curve
from mlsd_lib.training.loop import (
    EmbeddingClassifier,
    History,
    count_parameters,
    fit,
    fit_embedding_classifier,
    make_mlp,
    predict,
    train_network,
)

__all__ = [
    "fit", "History", "make_mlp", "count_parameters", "train_network", "predict",
    "EmbeddingClassifier", "fit_embedding_classifier",
    "LinearClassifier", "logistic_gd_curve", "epochs_to_reach",
    "train_single_process", "compare_ddp_to_single_process", "compare_ddp_over_seeds", "make_mlp_state",
]
