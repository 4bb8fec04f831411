"""The Diff tab's rows: what the last reload changed, one row per field (or per record that
only one run has), each with the record it goes to."""

from __future__ import annotations

from dataclasses import dataclass

from blurr_tui.replay.record_diff import CHANGED, ONLY_NEW, RunDiff, show_value
from blurr_tui.tui.widgets.row_source import ListRowSource

DIFF_COLUMNS = ["aggregate", "key", "field", "old", "new"]
NO_DIFF = "(no reload yet: r reloads the spec, ctrl+s in the spec pane saves and reloads)"


@dataclass(frozen=True, slots=True)
class DiffTarget:
    """Where Enter on a Diff row goes: a record (aggregate, key, identity), or a window row."""

    aggregate: str | None
    key: str
    identity: str
    exists: bool  # the record is in the current (new) run


def diff_rows(diff: RunDiff | None) -> tuple[ListRowSource, list[DiffTarget]]:
    if diff is None:
        return ListRowSource([NO_DIFF]), []
    rows: list[tuple] = []
    targets: list[DiffTarget] = []
    for rc in diff.records:
        target = DiffTarget(rc.aggregate, rc.key, rc.identity, rc.kind != "only_old")
        if rc.kind == CHANGED:
            for fc in rc.changes:
                rows.append(
                    (rc.aggregate, rc.key, fc.field, show_value(fc.old), show_value(fc.new))
                )
                targets.append(target)
        else:
            new = rc.kind == ONLY_NEW
            what = f"{len(rc.record or {})} fields"
            rows.append(
                (rc.aggregate, rc.key, "(record)", "" if new else what, what if new else "")
            )
            targets.append(target)
    for wc in diff.window_rows:
        key = f"{wc.identity} row {wc.row}"
        target = DiffTarget(None, key, wc.identity, wc.kind != "only_old")
        if wc.kind == CHANGED:
            for fc in wc.changes:
                rows.append(("window", key, fc.field, show_value(fc.old), show_value(fc.new)))
                targets.append(target)
        else:
            new = wc.kind == ONLY_NEW
            rows.append(("window", key, "(row)", "" if new else "a row", "a row" if new else ""))
            targets.append(target)
    if not rows:
        return ListRowSource(["(the reload changed no record at this position)"]), []
    return ListRowSource(DIFF_COLUMNS, rows), targets
