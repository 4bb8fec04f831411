"""Only ``blurr_tui/store/`` talks to SQLite (issue 8): no ``sqlite3``/``sqlite_utils`` import
and no SQL text anywhere else in the package, as test_layering keeps Textual out of the core."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "blurr_tui"
SQL = re.compile(
    r"(?is)\b(select\s.+\sfrom\s|insert\s+(or\s+\w+\s+)?into\s|update\s+\S+\s+set\s|"
    r"delete\s+from\s|(create|drop|alter)\s+(table|index|view|trigger)\b|pragma\s+\w+|"
    r"\bbegin\s+(immediate|exclusive|transaction)\b)"
)


def offenders(root: Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent)
        if path.parent.name == "store" and path.parent.parent == root:
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                names = []
            for n in names:
                if n.split(".")[0] in ("sqlite3", "sqlite_utils", "apsw"):
                    out.append(f"{rel}:{node.lineno}: imports {n}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if SQL.search(node.value):
                    out.append(f"{rel}:{node.lineno}: SQL text {node.value[:60]!r}")
    return out


def test_no_sqlite_or_sql_outside_store() -> None:
    assert offenders(PKG) == []


def test_the_check_catches_what_it_should(tmp_path: Path) -> None:
    pkg = tmp_path / "blurr_tui"
    (pkg / "store").mkdir(parents=True)
    (pkg / "store" / "ok.py").write_text("import sqlite3\nQ = 'SELECT a FROM b'\n")
    (pkg / "replay").mkdir()
    (pkg / "replay" / "bad.py").write_text(
        "import sqlite3\nfrom sqlite_utils import Database\nQ = f'SELECT x FROM {t}'\n"
        "R = 'insert into t values (1)'\nS = 'CREATE INDEX i ON t (a)'\n"
    )
    got = offenders(pkg)
    assert len(got) == 5 and all("replay/bad.py" in g for g in got)
