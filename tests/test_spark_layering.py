"""pyspark stays in the Spark runner: imported lazily, only by ``blurr_tui/spark/runner.py``
(and ``spark/cli.py``'s check that it is installed); the engine, store, replay, transform and
the rest of the Spark package run without it (the executors' code is plain Python)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {"blurr_tui/spark/runner.py", "blurr_tui/spark/cli.py"}


def test_pyspark_is_imported_only_by_the_runner() -> None:
    pattern = re.compile(r"^\s*(import pyspark|from pyspark)", re.M)
    found = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "blurr_tui").rglob("*.py")
        if pattern.search(p.read_text(encoding="utf-8"))
    }
    assert found <= ALLOWED, found - ALLOWED
    runner = (ROOT / "blurr_tui/spark/runner.py").read_text(encoding="utf-8")
    top_level = re.findall(r"^(?:import pyspark|from pyspark)", runner, re.M)
    assert not top_level, "pyspark must be imported inside functions (lazily)"


def test_loading_everything_imports_no_pyspark() -> None:
    probe = (
        "import importlib, pkgutil, sys\n"
        "import blurr_tui\n"
        "for pkg in ('blurr_tui.engine', 'blurr_tui.store', 'blurr_tui.replay', 'blurr_tui.spark'):\n"
        "    mod = importlib.import_module(pkg)\n"
        "    for info in pkgutil.walk_packages(mod.__path__, pkg + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "import blurr_tui.transform, blurr_tui.cli, blurr_tui.run_cmd\n"
        "blurr_tui.cli.build_parser()\n"
        "bad = sorted(m for m in sys.modules if m == 'pyspark' or m.startswith('pyspark.'))\n"
        "assert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
