# --- BEGIN corpus/reference fixtures (owner: conformance corpus; names prefixed corpus_/ref_) ---
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # makes tests/difftest importable

from difftest import CORPUS, reference_path, reference_ready  # noqa: E402


@pytest.fixture(scope="session")
def corpus_root() -> Path:
    """tests/corpus: one directory per conformance case."""
    return CORPUS


@pytest.fixture(scope="session")
def ref_blurr() -> Path:
    """Path of the reference oracle (Blurr 0.4.1); skips unless BLURR_DIFF=1 and it is usable."""
    if os.environ.get("BLURR_DIFF") != "1":
        pytest.skip("reference runs are slow: set BLURR_DIFF=1 to enable")
    if not reference_ready(create=True):
        pytest.skip(f"reference not available at {reference_path()}")
    return reference_path()


# --- END corpus/reference fixtures ---


# --- BEGIN spark fixture (owner: spark runner; tests/test_spark*.py) ---
@pytest.fixture(scope="session")
def spark():
    """One local[2] Spark session for every Spark test (start-up costs 10-15 s)."""
    pytest.importorskip("pyspark")
    from blurr_tui.spark.runner import session

    s = session(
        "local[2]",
        app="blurr-tui-tests",
        **{
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "2",
            "spark.driver.memory": "1g",
        },
    )
    yield s
    s.stop()


# --- END spark fixture ---
