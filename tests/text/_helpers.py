"""Helpers shared by the tests of ``mlsd_lib.text``."""

from __future__ import annotations

DOCS = ["Red sneakers sliding to the left!", "A blue handbag, slowly moving up", "my new haul :)",
        "red red dress, fast", "Montréal street style: a coat", "", "sneaker review  -- unboxing the SNEAKER"]
