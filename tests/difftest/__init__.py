"""Helpers shared by the conformance corpus test and the differential test.

* paths of the repo, the corpus and the reference oracle (``$BLURR_REF`` or
  ``<repo>/../shared/reference/blurr-ref``);
* :func:`run_reference`: run Blurr 0.4.1 and keep only its JSON rows (lines starting with ``[``);
* :func:`run_ours`: run ``blurr_tui.transform.run_transform`` with the same arguments;
* :func:`case_inputs`: the (streaming, window, logs) of a corpus-style case directory.

The generator of random cases lives in :mod:`difftest.gen`.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"
SHARED = REPO.parent / "shared"
REF_VENV = Path(os.environ.get("BLURR_REF_VENV", "/tmp/blurr-ref-venv"))


def reference_path() -> Path:
    env = os.environ.get("BLURR_REF")
    return Path(env) if env else SHARED / "reference" / "blurr-ref"


def reference_ready(create: bool = False) -> bool:
    """True when the reference script exists and its venv is (or, with create=True, can be) made."""
    ref = reference_path()
    if not ref.exists():
        return False
    if (REF_VENV / "bin" / "blurr").exists():
        return True
    if not create:
        return False
    try:  # the wrapper creates its venv on first use
        subprocess.run([str(ref), "--version"], capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError):
        return False
    return (REF_VENV / "bin" / "blurr").exists()


def case_inputs(case_dir: Path) -> tuple[str, str | None, list[str]]:
    """(streaming path, window path or None, log paths) of a case directory."""
    streaming = str(case_dir / "streaming.yml")
    window = str(case_dir / "window.yml") if (case_dir / "window.yml").exists() else None
    logs = [str(case_dir / "events.log")]
    if (case_dir / "events2.log").exists():
        logs.append(str(case_dir / "events2.log"))
    return streaming, window, logs


@dataclass
class RefResult:
    rows: list[str]  # JSON rows, without trailing newline
    exit_code: int
    stderr: str


def _cache_file(streaming: str, window: str | None, logs: list[str]) -> Path | None:
    """Where ``$BLURR_REF_CACHE`` keeps the reference's answer for these exact inputs."""
    root = os.environ.get("BLURR_REF_CACHE")
    if not root:
        return None
    h = hashlib.sha256()
    for path in [streaming, window or "", *logs]:
        h.update(Path(path).read_bytes() if path else b"-")
        h.update(b"\0")
    return Path(root) / f"{h.hexdigest()}.json"


def run_reference(
    streaming: str, window: str | None, logs: list[str], timeout: float = 300
) -> RefResult:
    """The reference's rows for these inputs. With ``$BLURR_REF_CACHE`` set, answers are kept
    there by the inputs' content (the reference is slow and never changes), so a rerun of the
    differential test after an engine change only runs our side."""
    cache = _cache_file(streaming, window, logs)
    if cache is not None and cache.exists():
        return RefResult(**json.loads(cache.read_text(encoding="utf-8")))
    cmd = [str(reference_path()), "transform", "--streaming-bts", streaming]
    if window:
        cmd += ["--window-bts", window]
    cmd.append(",".join(logs))
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    out = proc.stdout.decode("utf-8", errors="surrogateescape")
    rows = [line for line in out.splitlines() if line.startswith("[")]
    result = RefResult(rows, proc.returncode, proc.stderr.decode("utf-8", errors="replace"))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(asdict(result)), encoding="utf-8")
    return result


def run_ours(streaming: str, window: str | None, logs: list[str], jobs: int | None = None):
    """Run our engine through the public API (imported lazily so collection never fails);
    ``jobs=2`` forces the multi-worker path even on a small log."""
    from blurr_tui.transform import run_transform

    return run_transform(streaming, window, list(logs), jobs=jobs)


def rows_of(lines) -> list[str]:
    """Normalise a list of output lines: drop trailing newlines."""
    return [line.rstrip("\n") for line in lines]


def unmet_requirement(case_dir: Path) -> str | None:
    """Why this corpus case's goldens cannot hold in this venv, or None. A case whose results
    depend on a package version (R-17) names it in ``requires.txt`` (``package==version``,
    what the reference ran with; ``pyproject.toml`` pins it)."""
    import importlib.metadata

    req = case_dir / "requires.txt"
    if not req.exists():
        return None
    for line in req.read_text(encoding="utf-8").split():
        name, _, wanted = line.partition("==")
        have = importlib.metadata.version(name)
        if have != wanted:
            return f"results depend on {name}: the goldens need {wanted}, this venv has {have}"
    return None
