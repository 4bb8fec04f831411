"""Moving the shown event: step, step back, go to N or a time, ``[ ]``, ``c`` and ``C``.

Owned by the controller (``controller.nav``); it moves ``controller.cursor`` and, when the
target is beyond the furthest event computed, computes on (the frontier).  Going back to an
event before the frontier starts the run over and computes up to it (untraced, then the
target with its trace), so the tables are exactly those of a fresh run stopped there.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .player import settle
from .snapshot import AT_END, PAUSED, PLAYING

if TYPE_CHECKING:
    from .controller import ReplayController


class Navigation:
    def __init__(self, controller: ReplayController) -> None:
        self.c = controller

    def _pause(self) -> None:
        pb = self.c.playback
        if pb.state == PLAYING:
            pb.state = PAUSED
        pb.until_hit = False

    def _done(self, note: str | None = None) -> None:
        c = self.c
        c._set_note(note)
        c._publish(checkpoint=True)
        settle()

    # -- forward and back ------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        c = self.c
        self._pause()
        if c.cursor < c.run.position:  # showing an earlier event: move within what is computed
            self.goto(c.cursor + n)
            return
        for i in range(n):
            if c.run.at_end or c._advance(trace=i == n - 1) is None:
                break
        c._show(c.run.position)
        self._done()

    def back(self, n: int = 1) -> None:
        self.goto(max(0, self.c.cursor - n))

    def goto(self, n: int, note: str | None = None) -> None:
        """Show event ``n`` (0: before the first); beyond the end: the last event."""
        c = self.c
        n = max(0, n)
        self._pause()
        if n == c.cursor and (c.shown is None or c.shown.trace is not None or not c.shown.ok):
            self._done(note)
            return
        if n < c.run.position:
            c._new_run()  # the records as of event n: compute them again up to n
        while c.run.position < n - 1 and not c.run.at_end:
            if c._advance(trace=False) is None:
                break
        if c.run.position < n and not c.run.at_end:
            c._advance(trace=True)
        if c.playback.state == AT_END and not c.run.at_end:
            c.playback.state = PAUSED
        c._show(min(n, c.run.position))
        self._done(note)

    def restart(self) -> None:
        self._pause()
        self.c._new_run()
        self.c._show(0)
        self._done()

    # -- by time, by identity ----------------------------------------------------------------
    def goto_time(self, when: datetime) -> None:
        """The first event (in replay order) at or after ``when``."""
        c = self.c
        self._pause()
        found = c.run.timeline.first_at_or_after(when)
        if found is None:
            found = self._compute_until(lambda step: step.time is not None and step.time >= when)
        if found is None:
            self._done(f"no event at or after {when.isoformat()}")
            return
        self.goto(found, f"first event at or after {when.isoformat()}")

    def identity_previous(self) -> None:
        c = self.c
        identity = c.shown.identity if c.shown is not None else None
        if identity is None:
            self._done("no identity at this event: [ and ] move between one identity's events")
            return
        found = c.run.timeline.previous_of(identity, c.cursor)
        if found is None:
            self._done(f"no earlier event of {identity}")
            return
        self.goto(found, f"previous event of {identity}")

    def identity_next(self) -> None:
        c = self.c
        identity = c.shown.identity if c.shown is not None else None
        if identity is None:
            self._done("no identity at this event: [ and ] move between one identity's events")
            return
        found = c.run.timeline.next_of(identity, c.cursor)
        if found is None:
            found = self._compute_until(lambda step: step.identity == identity)
        if found is None:
            self._done(f"no later event of {identity}")
            return
        self.goto(found, f"next event of {identity}")

    def _compute_until(self, cond: Any) -> int | None:
        """Compute on (untraced) until ``cond(step)``; its position, or None at the end.
        A command waiting (a pause) interrupts it."""
        c = self.c
        interrupt = c.worker.interrupt
        while not c.run.at_end:
            step = c._advance(trace=False)
            if step is None:
                return None
            if cond(step):
                return step.index
            if interrupt.is_set() and c.worker.running:
                return None
        return None

    # -- breakpoints -------------------------------------------------------------------------
    def continue_(self) -> None:
        """``c``: to the next breakpoint hit after the shown event (computing on if needed)."""
        c = self.c
        self._pause()
        if not c.breakpoints.active:
            self._done("no breakpoint enabled: b adds one")
            return
        self._sync_hits()
        if c.cursor < c.run.position:
            if not c.hits.covers(c.cursor + 1, c.run.position):
                self._scan()
            found = c.hits.next_after(c.cursor)
            if found is not None and found <= c.run.position:
                self.goto(found, c.hits.why[found])
                return
            self.goto(c.run.position)
        if c.run.at_end:
            self._done("at the end of the log: no further hit")
            return
        c.playback.until_hit = True  # play at full speed; the player stops at the hit
        if c.worker.running:
            c.player.start()
        else:
            c.player.play_now()

    def reverse_continue(self) -> None:
        """``C``: to the previous breakpoint hit before the shown event."""
        c = self.c
        self._pause()
        if not c.breakpoints.active:
            self._done("no breakpoint enabled: b adds one")
            return
        self._sync_hits()
        if not c.hits.covers(1, c.cursor - 1):
            self._scan()
        found = c.hits.previous_before(c.cursor)
        if found is None:
            self._done("no earlier breakpoint hit")
            return
        self.goto(found, c.hits.why[found])

    def _sync_hits(self) -> None:
        c = self.c
        if c.hits.serial != c.breakpoints.serial:
            c.hits.reset(c.breakpoints.serial, c.run.position)

    def _scan(self) -> None:
        """Check the breakpoints on the computed events not checked yet (1 .. lo-1)."""
        c = self.c
        last = min(c.hits.lo - 1, c.run.position)
        if last < 1:
            return
        seen: dict[tuple[int, str], Any] = {}
        found = c.revisit.scan(
            1, last, lambda facts: c.breakpoints.check(facts, seen), c.breakpoints.needs_trace
        )
        c.hits.scanned(found, last)
