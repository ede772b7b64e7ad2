"""Chapter 1's room: the tabular pipeline of the loan-default case (source ch. 1).

- ``features`` — scaling, bucketing, skewness and the scikit-learn tabular encoder
- ``model_selection`` — repeated stratified hold-out comparisons, the tabular logistic model
- ``widgets`` — the threshold and drift explorers, each with the static view the book shows

Introduced in chapter 1. Other chapters reuse ``features`` (chapter 5 scales its side signals).
Import the modules by name (``from mlsd_lib.tabular import features``): the package imports
nothing itself, so a chapter that needs the scalers does not load the widgets.
"""
