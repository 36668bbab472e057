"""gunicorn.conf.py's hooks, called as gunicorn calls them (the fault tests run the real server)."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_the_master_freezes_its_objects_before_each_fork():
    """What the master holds goes out of the collector's reach, so workers keep sharing it."""
    settings = runpy.run_path(str(CONFIG))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        settings["pre_fork"](None, None)
        assert gc.get_freeze_count() > 10_000  # the test process's modules and objects
        frozen = gc.get_freeze_count()
        settings["pre_fork"](None, None)  # the next worker's fork (and a recycled one's)
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
