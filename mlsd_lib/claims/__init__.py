"""The claims ledger: each chapter decides the source's claims by a rule registered in advance.

A claim is decided in three steps, and no step lets a person type the verdict:

1. **Register** the rule before measuring, in ``registry/chNN_*.toml``: what is measured (the
   effect), which direction the source claims, the smallest effect that matters (the margin)
   and the practical reason for it, and the *kind* of evidence (experiment, demonstration or
   identity). The chapter reads it: ``ledger = ClaimsRecorder.from_registry("ch01_framework",
   SIZE, seed=SEED)``. A later change to a rule is logged with its reason and the verdicts
   before and after (:mod:`mlsd_lib.claims.registry`).

2. **Measure** the effect with its uncertainty (:mod:`mlsd_lib.claims.effects`): over
   independent seeds, over overlapping hold-out splits (corrected resampled t), by a bootstrap
   over test units of one fixed system, over training seeds *and* test units when the arms are
   trained models, or exactly. Each arm of a comparison gets the same tuning budget on
   validation data (:func:`tune_each_arm`).

3. **Decide and record**: ``ledger.decide("C1.1", effect)`` applies the registered rule
   (conditions may *depend*, conjuncts must all hold; :mod:`mlsd_lib.claims.rules`) and
   ``ledger.record(decision, finding)`` stores it; an identity's worked example is stored
   with ``ledger.record_identity``.

The ledger page (``book/claims_ledger.md``, rendered by ``book/_ext/claims_ledger.py``) shows the
records of the same execution that rendered the chapters (:mod:`mlsd_lib.claims.ledger`).
"""

from mlsd_lib.claims.effects import (
    CONFIDENCE,
    Effect,
    adjusted_confidence,
    bootstrap_effect,
    bootstrap_over_seeds,
    effect_over_seeds,
    effect_over_splits,
    exact_effect,
    insufficient_effect,
    quote_effect,
)
from mlsd_lib.claims.ledger import main, render_ledger
from mlsd_lib.claims.records import (
    IDENTITY,
    ClaimRecord,
    ClaimsRecorder,
    anchor_of,
    chapter_of,
    claim_catalog,
    compare_verdicts,
    default_claims_dir,
    load_records,
    validate_record,
    verdicts_in,
)
from mlsd_lib.claims.registry import KINDS, ClaimSpec, check_registry, deviations, load_registry
from mlsd_lib.claims.rules import (
    DIRECTIONS,
    VERDICTS,
    Decision,
    Rule,
    combine_verdicts,
    conjunction,
    decide,
)
from mlsd_lib.claims.tuning import ArmChoice, tune_each_arm

__all__ = [
    "CONFIDENCE", "DIRECTIONS", "IDENTITY", "KINDS", "VERDICTS",
    "ArmChoice", "ClaimRecord", "ClaimSpec", "ClaimsRecorder", "Decision", "Effect", "Rule",
    "adjusted_confidence", "anchor_of", "bootstrap_effect", "bootstrap_over_seeds", "chapter_of",
    "check_registry", "claim_catalog", "combine_verdicts", "compare_verdicts", "conjunction", "decide",
    "default_claims_dir", "deviations", "effect_over_seeds", "effect_over_splits", "exact_effect",
    "insufficient_effect", "load_records", "load_registry", "main", "quote_effect", "render_ledger", "tune_each_arm",
    "validate_record", "verdicts_in",
]
