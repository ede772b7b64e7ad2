"""Video search (source ch. 4): a rendered video corpus with planted ground truth, the
text–video dual encoder, the fusing layer and the served engine, the auto-tagger, simulated
users and the chapter's widget.

- :mod:`~mlsd_lib.video.corpus` — clips, uploads' metadata and searchers' queries
- :mod:`~mlsd_lib.video.encoders` — frame-level and video-level towers, text towers, training
- :mod:`~mlsd_lib.video.search` — fusing layer, search engine, ranks of the relevant video
- :mod:`~mlsd_lib.video.tagging` — the auto-tagger
- :mod:`~mlsd_lib.video.online` — CTR, completion and watch time from simulated users
- :mod:`~mlsd_lib.video.widgets` — the search box

Introduced in chapter 4.
"""
