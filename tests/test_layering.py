"""The engine, store and replay layers (and ``transform``) never import the TUI (textual)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib, pkgutil, sys
import blurr_tui
names = []
for pkg in ("blurr_tui.engine", "blurr_tui.store", "blurr_tui.replay"):
    mod = importlib.import_module(pkg)
    names.append(pkg)
    for info in pkgutil.walk_packages(mod.__path__, pkg + "."):
        names.append(info.name)
        importlib.import_module(info.name)
importlib.import_module("blurr_tui.transform")
bad = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(len(names))
assert "blurr_tui.engine.timeparse" in names and "blurr_tui.replay.headless" in names, names
assert "blurr_tui.store.sqlite_store" in names, names
assert not bad, bad
assert not any(m.startswith("blurr_tui.tui") for m in sys.modules)
"""


def test_core_layers_do_not_import_textual() -> None:
    r = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.strip()) >= 10


def test_run_command_does_not_import_textual() -> None:
    probe = (
        "import sys, blurr_tui.run_cmd, blurr_tui.transform\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    r = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
