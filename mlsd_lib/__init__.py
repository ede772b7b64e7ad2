"""mlsd_lib: the library behind *mlsd*, an executable book of ML system design.

Modules are organised by concern; chapters import what they need:

- ``mlsd_lib.data`` — loaders of the bundled real data sets, with provenance
- ``mlsd_lib.features``, ``mlsd_lib.sampling`` — feature engineering and dataset construction
- ``mlsd_lib.metrics`` — classification, regression and ranking metrics
- ``mlsd_lib.losses``, ``mlsd_lib.training`` — losses and training loops (torch)
- ``mlsd_lib.ann`` — one interface over exact and approximate nearest-neighbour indexes
- ``mlsd_lib.serving``, ``mlsd_lib.monitoring``, ``mlsd_lib.experiments`` — production steps
- ``mlsd_lib.viz``, ``mlsd_lib.widgets`` — figures and interactive demos
- ``mlsd_lib.claims`` — the claims ledger
"""

from mlsd_lib.runtime import resolve_size, seed_everything, set_threads

__version__ = "0.1.0"
__all__ = ["resolve_size", "seed_everything", "set_threads", "__version__"]
