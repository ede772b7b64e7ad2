"""Code run in a chapter's live kernel, after the chapter, to drive its widgets.

Each ``chNN_<topic>.py`` file here is appended to that chapter's notebook as a last cell by
``tests/chapters/notebook_checks.py``. It uses :func:`capture` to see what a widget displays, moves
the widget's controls from the kernel (sets a slider, picks a user, types a query), checks
that the output changed to the right content, and prints one ``WIDGET-REPORT {json}`` line:
check name -> "ok" or what went wrong. It never raises, so a widget failure is reported by
its own test rather than by the chapter's execution.
"""
