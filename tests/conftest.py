import sys
from pathlib import Path

# The fixture loader lives beside the tests; make it importable as `cases`.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Each test gets its own cache folder, so no run sees another's remembered files."""
    monkeypatch.setenv("SEQ2FUNC_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
