"""Recommendation systems (source ch. 6, "Video Recommendation System").

One concern per module, in the order data flows:

- ``feedback`` — the user-video feedback matrix and per-user relevant sets
- ``mf`` — matrix factorisation with the source's three losses, fitted by SGD or WALS
- ``two_tower`` — the two-tower network (torch)
- ``content`` — item content features and the content-based recommender
- ``baselines`` — most-popular and the ``implicit`` library's ALS
- ``rating_baseline`` — the global + user + item bias rating model (chapter 1's time split)
- ``evaluate`` — offline ranking evaluation of recommendation lists
- ``candidates`` — candidate generators (ANN via :mod:`mlsd_lib.ann`, popular, trending, genre)
- ``rerank`` — filters, de-duplication and the MMR diversity re-ranker
- ``pipeline`` — the three-stage serving pipeline and its latency
- ``simulation`` — a simulated user for online metrics
- ``widgets`` — the chapter's interactive demo

Introduced in chapter 6.
"""
