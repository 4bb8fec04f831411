"""Seeded random generator of (streaming BTS, optional window BTS, events log) triples.

Every case is drawn from "safe" templates: expressions that the reference evaluates
deterministically (no string-valued sets, no object addresses, no datetimes inside lists),
including many that raise swallowed errors (TypeError, ValueError, KeyError, IndexError,
ZeroDivisionError, AttributeError) and, rarely, ones that abort the run (NameError,
MissingAttributeError). Events have random times with ties, out-of-order lines, offsets,
microseconds, missing keys, several identities and occasional bad lines.

Usage (manual reproduction): ``python tests/difftest/gen.py --seed 7 --out /tmp/case7``
writes ``streaming.yml``, ``window.yml`` (when drawn) and ``events.log``.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

TYPES = ["integer", "float", "string", "boolean", "datetime", "map", "list", "set"]


def q(expr: str) -> str:
    """A YAML single-quoted scalar (no escapes are interpreted inside)."""
    return "'" + expr.replace("'", "''") + "'"


@dataclass
class Field:
    name: str
    type: str
    value: str = ""
    when: str | None = None  # already YAML text (quoted or a bare falsy literal)


@dataclass
class Agg:
    kind: str  # identity | block | activity | variable
    name: str
    fields: list[Field] = field(default_factory=list)
    dims: list[Field] = field(default_factory=list)
    store: str | None = "mem"
    when: str | None = None
    interval: str | None = None


@dataclass
class Case:
    seed: int
    streaming: str
    window: str | None
    events: list[str]

    def write(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "streaming.yml").write_text(self.streaming, encoding="utf-8")
        if self.window is not None:
            (directory / "window.yml").write_text(self.window, encoding="utf-8")
        (directory / "events.log").write_text("\n".join(self.events) + "\n", encoding="utf-8")

    def paths(self, directory: Path) -> tuple[str, str | None, list[str]]:
        window = str(directory / "window.yml") if self.window is not None else None
        return str(directory / "streaming.yml"), window, [str(directory / "events.log")]


# ----------------------------------------------------------------------------- expressions


class Gen:
    def __init__(self, seed: int):
        self.seed = seed
        self.r = random.Random(seed)
        self.aggs: list[Agg] = []

    # -- helpers
    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    def all_fields(self, types: tuple[str, ...]) -> list[tuple[str, str]]:
        out = []
        for a in self.aggs:
            for f in a.fields + a.dims:
                if f.type in types:
                    out.append((a.name, f.name))
        return out

    def other_ref(self, types: tuple[str, ...], default: str) -> str:
        refs = self.all_fields(types)
        if not refs:
            return default
        agg, f = self.pick(refs)
        return f"{agg}.{f}"

    def value_expr(self, agg: Agg, f: Field) -> str:
        me = f"{agg.name}.{f.name}"
        t = f.type
        if t == "integer":
            return self.pick(
                [
                    f"{me} + 1",
                    "source.v",
                    f"{me} + source.v",
                    "len(source.s)",
                    "int(source.s)",
                    "source.v // 2",
                    "10 // source.v",
                    "source.flag",
                    f"{me} + (1 if source.flag else 0)",
                    "time.minute",
                    self.other_ref(("integer",), "source.n"),
                    "source.n * 3",
                    f"{me} + len(source.tags)",
                    "source.x",
                    "'7'",
                    "2**65 + source.n",
                ]
            )
        if t == "float":
            return self.pick(
                [
                    "source.x",
                    f"{me} + source.x",
                    "source.v / 3",
                    "source.x * 1e-6",
                    "float(source.s)",
                    "source.v / source.x",
                    f"{me} * 1.5 + 0.1",
                    "source.x * 1e17",
                    "source.n",
                    self.other_ref(("integer", "float"), "source.x") + " / 7",
                ]
            )
        if t == "string":
            return self.pick(
                [
                    "source.s",
                    "source.k",
                    f"{me} + source.k",
                    "str(source.v)",
                    "source.s.upper()",
                    "source.k[0]",
                    "identity",
                    "time.isoformat()",
                    "str(source.tags)",
                    self.other_ref(("string",), "source.k"),
                    "source.m['a']",
                    "str(source.x)",
                ]
            )
        if t == "boolean":
            return self.pick(
                [
                    "source.flag",
                    "source.v > 3",
                    f"not {me}",
                    "source.k == 'a'",
                    "source.s",
                    "source.n",
                    "len(source.tags) > 1",
                ]
            )
        if t == "datetime":
            return self.pick(
                [
                    "time",
                    "parse(source.ts2)",
                    f"time if {me} is None else {me}",
                    f"max(time, {me})",
                    "source.ts2",
                ]
            )
        if t == "map":
            return self.pick(
                [
                    f"{me}.set(source.k, source.v)",
                    f"{me}.increment(source.k)",
                    f"{me}.increment(source.k, source.v)",
                    "source.m",
                    f"{me}.get('zz')",
                    f"{me}.set(source.k, source.x).increment('total')",
                ]
            )
        if t == "list":
            return self.pick(
                [
                    f"{me}.append(source.v)",
                    f"{me}.append(source.k).remove('zz')",
                    "source.tags",
                    "sorted(source.tags)",
                    f"{me} + [source.v]",
                    f"{me}.append(source.n).insert(0, source.x)",
                    "[t * 2 for t in source.tags]",
                ]
            )
        if t == "set":  # int-only sets of small values: output order is ascending
            return self.pick(
                [
                    f"{me}.add(source.n)",
                    "source.tags",
                    f"{me}.union(source.tags)",
                    f"{me}.add(source.n).discard(3)",
                ]
            )
        raise AssertionError(t)

    def when_expr(self, agg: Agg, f: Field) -> str | None:
        if not self.chance(0.3):
            return None
        return self.pick(
            [
                q("source.k == 'a'"),
                q("source.v > 2"),
                q("source.flag"),
                q("source.n is not None"),
                "false",
                q("False"),
                q(f"not {agg.name}.{f.name}"),
                q("source.x < 0"),
            ]
        )

    # -- aggregates
    def make_aggs(self, window: bool) -> None:
        kinds = []
        n = self.r.randint(1, 4)
        for _ in range(n):
            kinds.append(
                self.pick(["identity", "identity_dims", "block", "block", "activity", "variable"])
            )
        if window:
            kinds = [k for k in kinds if k not in ("block", "activity")]
            kinds.insert(self.r.randint(0, len(kinds)), self.pick(["block", "block", "activity"]))
        for i, k in enumerate(kinds):
            kind = "identity" if k == "identity_dims" else k
            a = Agg(kind=kind, name=f"{kind[:3]}{i}")
            if kind == "variable":
                a.store = "mem" if self.chance(0.25) else None
            elif self.chance(0.05):
                a.store = "other"
            if kind == "block" or k == "identity_dims":
                if not (kind == "block" and self.chance(0.15)):  # Block without dims sometimes
                    a.dims.append(Field("d0", "string", "source.k"))
                    if self.chance(0.3):
                        a.dims.append(Field("d1", "integer", self.pick(["source.n", "source.v"])))
            if kind == "activity":
                a.interval = self.pick(["5", "30", "60", "120", "'30'", "1.5", "3600"])
            if self.chance(0.2) and not (window and kind == "activity"):
                a.when = q(self.pick(["source.k != 'c'", "source.v is not None", "source.n != 1"]))
            nf = self.r.randint(1, 4)
            for j in range(nf):
                a.fields.append(Field(f"f{j}", self.pick(TYPES)))
            self.aggs.append(a)
        for a in self.aggs:
            for f in a.fields:
                f.value = self.value_expr(a, f)
                f.when = self.when_expr(a, f)
        if self.chance(0.05):  # rarely, an expression that aborts the whole run
            a = self.pick(self.aggs)
            f = self.pick(a.fields)
            f.value = self.pick(
                ["undefined_name + 1", f"{a.name}.no_such_field", f"source.v or {a.name}.nope"]
            )

    def streaming_yaml(self, window: bool) -> str:
        out = [
            f"# difftest seed {self.seed}",
            "Type: Blurr:Transform:Streaming",
            "Version: '2018-03-01'",
            "Name: s",
            "Stores:",
            "  - Type: Blurr:Store:Memory",
            "    Name: mem",
            "  - Type: Blurr:Store:Memory",
            "    Name: other",
            "Import:",
            "  - { Module: dateutil.parser, Identifiers: [ parse ] }",
            "Identity: source.user",
            "Time: parse(source.t)",
        ]
        if self.chance(0.2 if window else 0.3):
            out.append(
                "When: "
                + q(
                    self.pick(
                        [
                            "source.k != 'noise'",
                            "source.v is None or source.v < 8",
                            "source.n != 5",
                        ]
                    )
                )
            )
        out.append("Aggregates:")
        types = {
            "identity": "Identity",
            "block": "Block",
            "activity": "Activity",
            "variable": "Variable",
        }
        for a in self.aggs:
            out.append(f"  - Type: Blurr:Aggregate:{types[a.kind]}")
            out.append(f"    Name: {a.name}")
            if a.store:
                out.append(f"    Store: {a.store}")
            if a.interval is not None:
                out.append(f"    SeparateByInactiveSeconds: {a.interval}")
            if a.when:
                out.append(f"    When: {a.when}")
            if a.dims:
                out.append("    Dimensions:")
                for d in a.dims:
                    out += [
                        f"      - Name: {d.name}",
                        f"        Type: {d.type}",
                        f"        Value: {q(d.value)}",
                    ]
            out.append("    Fields:")
            for f in a.fields:
                out += [
                    f"      - Name: {f.name}",
                    f"        Type: {f.type}",
                    f"        Value: {q(f.value)}",
                ]
                if f.when:
                    out.append(f"        When: {f.when}")
        return "\n".join(out) + "\n"

    # -- window
    def window_yaml(self) -> str:
        src = next(a for a in self.aggs if a.kind in ("block", "activity"))
        listable = [f for f in src.fields + src.dims if f.type not in ("datetime", "set")]
        ints = [f for f in src.fields + src.dims if f.type == "integer"]
        bools = [f for f in src.fields if f.type == "boolean"]
        cond = ["True", f"s.{src.name}._start_time.minute % 2 == 0"]
        if ints:
            cond.append(f"s.{src.name}.{self.pick(ints).name} > 1")
        if bools:
            cond.append(f"s.{src.name}.{self.pick(bools).name}")
        others = [a for a in self.aggs if a.kind == "identity" and a.store == "mem" and a.fields]
        if others:
            o = self.pick(others)
            cond.append(f"s.{o.name}.{o.fields[0].name} is not None")
        out = [
            f"# difftest seed {self.seed}",
            "Type: Blurr:Transform:Window",
            "Version: '2018-03-01'",
            "Name: w",
            "SourceBTS: s",
        ]
        if self.chance(0.15):
            out.append(
                "When: " + q(self.pick(["anchor._start_time.second % 3 != 0", "identity != 'b'"]))
            )
        out += ["Anchor:", f"  Condition: {q(self.pick(cond))}"]
        if self.chance(0.4):
            out.append(f"  Max: {self.r.randint(1, 3)}")
        out.append("Aggregates:")
        if self.chance(0.2):
            out += [
                "  - Type: Blurr:Aggregate:Variable",
                "    Name: wv",
                "    Fields:",
                "      - Name: sid",
                "        Type: string",
                "        Value: " + q("anchor._start_time.isoformat()"),
            ]
        for i in range(self.r.randint(1, 3)):
            wtype = self.pick(["day", "hour", "count", "count"])
            if wtype == "count":
                wval = self.pick([-3, -2, -1, -1, 1, 2])
            else:
                wval = self.pick([-2, -1, -1, 1, 2])
            out += [
                "  - Type: Blurr:Aggregate:Window",
                f"    Name: win{i}",
                f"    WindowType: {wtype}",
                f"    WindowValue: {wval}",
                f"    Source: s.{src.name}",
            ]
            if self.chance(0.15):
                out.append("    When: " + q("len(source._start_time) > 1"))
            out.append("    Fields:")
            fields = [("n", "integer", "len(source._start_time)")]
            if ints:
                f = self.pick(ints)
                fields.append(("total", "integer", f"sum(source.{f.name})"))
                fields.append(("mx", "float", f"max(source.{f.name})"))
            if listable:
                f = self.pick(listable)
                fields.append(("vals", "list", f"source.{f.name}"))
                fields.append(("first", f.type, f"source.{f.name}[0]"))
            fields.append(
                (
                    "span",
                    "integer",
                    "(source._end_time[-1] - source._start_time[0]).total_seconds()",
                )
            )
            fields.append(("anchor_start", "string", "str(anchor._start_time)"))
            for name, typ, val in fields:
                out += [f"      - Name: {name}", f"        Type: {typ}", f"        Value: {q(val)}"]
        return "\n".join(out) + "\n"

    # -- events
    def events(self, window: bool) -> list[str]:
        r = self.r
        users = ["a", "b", "c", "d", "usr-\u00e9"][: r.randint(1, 5)]
        n = r.randint(5, 40)
        offsets = ["", "", "Z", "+05:00", "-08:00", "+00:00"]
        uniform_offset = self.pick(["", "", "+05:00"])
        gaps = (
            [0, 1, 5, 10, 30, 59, 60, 61, 600, 3600, 5000, 86400, 90000]
            if window
            else [0, 0, 1, 5, 10, 30, 60, 120, 3600]
        )
        t = datetime(2018, 1, 1) + timedelta(seconds=r.randint(0, 86400))
        lines = []
        for _ in range(n):
            t += timedelta(seconds=self.pick(gaps))
            tt = t + timedelta(microseconds=self.pick([0, 0, 0, 500000, 123]))
            off = uniform_offset if window else self.pick(offsets)
            ev: dict = {"user": self.pick(users), "t": tt.isoformat() + off}
            if self.chance(0.85):
                ev["v"] = self.pick([r.randint(0, 9)] * 6 + ["7", 2.5, None, True])
            if self.chance(0.8):
                ev["n"] = r.randint(0, 7)
            if self.chance(0.7):
                ev["s"] = self.pick(["", "abc", "12", "x y", "h\u00e9llo", "3.5"])
            if self.chance(0.8):
                ev["k"] = self.pick(["a", "b", "c", "", "noise"])
            if self.chance(0.7):
                ev["x"] = self.pick([round(r.uniform(-100, 100), r.randint(0, 3)), 0, 1e-7, 3])
            if self.chance(0.6):
                ev["flag"] = self.pick([True, False])
            if self.chance(0.6):
                ev["tags"] = [r.randint(0, 7) for _ in range(r.randint(0, 3))]
            if self.chance(0.4):
                ev["m"] = self.pick([{"a": "x"}, {"a": 1, "b": [1, 2]}, {}, {"b": None}])
            if self.chance(0.4):
                ev["ts2"] = self.pick(
                    ["2018-02-01T10:00:00", "2018-02-01T10:00:00+05:30", "bad", "2018-02-01"]
                )
            keys = list(ev)
            if self.chance(0.2):
                r.shuffle(keys)
            lines.append(json.dumps({k: ev[k] for k in keys}, ensure_ascii=self.chance(0.5)))
        if self.chance(0.3):  # out-of-order lines
            i, j = r.randrange(n), r.randrange(n)
            lines[i], lines[j] = lines[j], lines[i]
        if self.chance(0.3):  # bad lines, skipped by the reader
            for _ in range(r.randint(1, 3)):
                bad = self.pick(
                    [
                        "",
                        "notjson",
                        "[1, 2]",
                        "5",
                        '{"t": "2018-01-01T00:00:00"}',
                        '{"user": "a", "t": "garbage"}',
                        '{"user": "", "t": "2018-01-01T00:00:00"}',
                        '{"user": "a"}',
                        '[["user", "b"], ["t", "2018-01-01T00:00:01"], ["v", 1]]',
                    ]
                )
                lines.insert(r.randrange(len(lines) + 1), bad)
        if self.chance(0.03):  # non-string identity: the run aborts
            lines.append('{"user": 42, "t": "2018-01-01T00:00:00"}')
        return lines


def generate(seed: int) -> Case:
    g = Gen(seed)
    window = g.chance(0.35)
    g.make_aggs(window)
    streaming = g.streaming_yaml(window)
    wyaml = g.window_yaml() if window else None
    return Case(seed, streaming, wyaml, g.events(window))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="write one generated difftest case")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    generate(args.seed).write(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
