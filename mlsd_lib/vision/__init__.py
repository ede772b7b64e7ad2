"""Image-side building blocks (chapter 2): augmentations, contrastive encoders, figures, widgets.

- ``augment`` — random views for contrastive training and query transforms
- ``encoders`` — the small CNN, InfoNCE and supervised-contrastive losses, embedding helpers
- ``viz`` — image grids, ranked results, the recall-speed frontier
- ``widgets`` — the chapter's interactive demos

Every public name is re-exported here.
"""

from mlsd_lib.vision.augment import (
    QUERY_TRANSFORM,
    TRAIN_AUGMENT,
    AugmentConfig,
    crop_and_resize,
    random_augment,
    to_tensor,
    transform_queries,
)
from mlsd_lib.vision.encoders import (
    SmallCNN,
    TrainResult,
    embed_images,
    embed_pixels,
    info_nce_loss,
    random_encoder,
    supervised_contrastive_loss,
    train_contrastive,
)
from mlsd_lib.vision.viz import (
    plot_frontier,
    show_grid,
    show_results,
)
from mlsd_lib.vision.widgets import (
    index_explorer,
    query_picker,
)

__all__ = [
    "QUERY_TRANSFORM", "TRAIN_AUGMENT", "AugmentConfig", "crop_and_resize", "random_augment", "to_tensor",
    "transform_queries", "embed_images", "embed_pixels", "info_nce_loss", "random_encoder", "SmallCNN",
    "supervised_contrastive_loss", "train_contrastive", "TrainResult", "plot_frontier", "show_grid",
    "show_results", "index_explorer", "query_picker",
]
