"""``transform`` on several cores: each worker reads every log but keeps only the identities
it owns (:mod:`blurr_tui.parallel`), runs them as one process would, and sends back its
rows as JSON lines keyed by where each identity was first seen; the parent merges rows in
that order (Blurr's first-seen order) and bad-line messages in line order.
"""

from __future__ import annotations

from operator import itemgetter

from .engine.runtime import StreamingEngine
from .engine.spec import StreamingSpec, WindowSpec
from .parallel import fork_map
from .replay.swallowed import SwallowedErrors, listener
from .transform import TransformResult, _identity_rows, dumps_row, read_groups


def transform_parallel(
    streaming: StreamingSpec,
    window: WindowSpec | None,
    paths: list[str],
    result: TransformResult,
    fast: bool,
    processor: str,
    jobs: int,
) -> list[str]:
    engine = StreamingEngine(streaming, fast=fast)

    def work(k: int) -> tuple[TransformResult, list[tuple[tuple[int, int, int], list[str]]]]:
        part = TransformResult()
        groups = read_groups(engine, paths, part, processor, (k, jobs))
        dumps = dumps_row
        current: list = [None, [], None]
        part.swallowed = SwallowedErrors(streaming, keep_rows=False)
        engine.on_swallowed = listener(part.swallowed, current)
        blocks = [
            (first, [dumps(row) for row in rows])
            for first, rows in _identity_rows(engine, window, groups, current)
        ]
        return part, blocks

    parts = fork_map(work, jobs)
    swallowed = SwallowedErrors(streaming, keep_rows=False)
    for part, _bs in parts:
        if part.swallowed is not None:
            swallowed.merge(part.swallowed)
    blocks = sorted((b for _part, bs in parts for b in bs), key=itemgetter(0))
    bad = sorted(
        (at, line)
        for part, _bs in parts
        for at, line in zip(part.bad_at, part.stderr_lines, strict=True)
    )
    result.events_read += parts[0][0].events_read
    result.events_bad += sum(part.events_bad for part, _bs in parts)
    result.bad_at.extend(at for at, _line in bad)
    result.stderr_lines.extend(line for _at, line in bad)
    result.stderr_lines.extend(swallowed.report())  # as the one-process path says it
    return [line for _first, lines in blocks for line in lines]
