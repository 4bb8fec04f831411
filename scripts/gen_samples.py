#!/usr/bin/env python3
"""Generate the bundled sample event logs (deterministic: fixed seeds, no wall clock).

    python scripts/gen_samples.py            # writes sample_logs/{boosts,cart,anomalies}.log
    python scripts/gen_samples.py --check    # exit 1 if a committed log differs from a fresh run

sample_logs/tutorial1.log is not generated: it is the 8 events of the Blurr tutorial.
Every log is globally time-ordered and has no malformed lines.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "sample_logs"


def _hex_id(rng: random.Random, n: int = 8) -> str:
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(n))


def _dump(events: list[dict]) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


# --------------------------------------------------------------------------- boosts
def gen_boosts(seed: int = 20180301) -> str:
    """Game sessions of ~50 players over 4 weeks; some sessions use a boost.

    Events: game_start (optional "boost": true, "level") and game_end ("won", "score").
    Players who boost tend to play a little more in the following days.
    """
    rng = random.Random(seed)
    start = datetime(2018, 3, 1)
    countries = ["US", "UK", "IN", "BR", "DE", "FR", "JP"]
    events: list[tuple[datetime, int, dict]] = []
    seq = 0
    users = [f"player-{_hex_id(rng, 4)}" for _ in range(50)]
    for ui, user in enumerate(users):
        country = rng.choice(countries)
        skill = rng.uniform(0.25, 0.75)
        boosts_at = set()
        # Two thirds of the players boost once or twice, somewhere in the middle of the month.
        if ui % 3 != 2:
            for _ in range(rng.choice([1, 1, 2])):
                boosts_at.add(rng.randint(6, 22))
        n_days = rng.randint(10, 18)
        days = sorted(rng.sample(range(28), n_days) + list(boosts_at))
        last_boost = -100
        for day in sorted(set(days)):
            boosted = day in boosts_at
            # Every 10th player boosts twice on a boost day (Max: 1 keeps the first one).
            n_today = 2 if boosted and ui % 10 == 0 else 1
            t = start + timedelta(
                days=day,
                hours=rng.randint(7, 12 if n_today == 2 else 21),
                minutes=rng.randint(0, 59),
                seconds=rng.randint(0, 59),
            )
            for k in range(n_today):
                if k:
                    t += timedelta(hours=rng.randint(2, 4))
                session_id = f"{_hex_id(rng, 4)}-{_hex_id(rng, 4)}"
                if boosted:
                    last_boost = day
                engaged = 0 <= day - last_boost <= 3
                n_games = rng.randint(1, 4) + (rng.randint(1, 3) if engaged else 0)
                level = rng.randint(1, 3)
                for g in range(n_games):
                    t += timedelta(seconds=rng.randint(5, 90))
                    ev = {
                        "event_id": "game_start",
                        "user_id": user,
                        "session_id": session_id,
                        "country": country,
                        "level": level,
                        "timestamp": t.isoformat(),
                    }
                    if boosted and g == 0:
                        ev["boost"] = True
                    events.append((t, seq, ev))
                    seq += 1
                    t += timedelta(seconds=rng.randint(60, 600))
                    won = rng.random() < (skill + (0.15 if engaged else 0.0))
                    score = rng.randint(50, 400) * level + (200 if won else 0)
                    events.append(
                        (
                            t,
                            seq,
                            {
                                "event_id": "game_end",
                                "user_id": user,
                                "session_id": session_id,
                                "country": country,
                                "won": won,
                                "score": score,
                                "timestamp": t.isoformat(),
                            },
                        )
                    )
                    seq += 1
                    if won and level < 5 and rng.random() < 0.5:
                        level += 1
    events.sort(key=lambda e: (e[0], e[1]))
    return _dump([e for _, _, e in events])


# --------------------------------------------------------------------------- cart
CATALOG = {f"sku-{i}": round(random.Random(i).uniform(2, 80) * 2) / 2 for i in range(1, 31)}


def gen_cart(seed: int = 1700000000) -> str:
    """Shop browsing of ~40 users in subject/verb/object/context form (epoch ms in context.at).

    Sessions are separated by more than 30 minutes of inactivity. About 40% of the sessions
    with a basket end in ORDERED; the rest are abandoned. The log ends with a few users still
    active, so the last sessions of several other users were abandoned > 30 min before the end.
    """
    rng = random.Random(seed)
    t0 = 1700000000000  # 2023-11-14T22:13:20Z
    horizon = 3 * 24 * 3600 * 1000
    events: list[tuple[int, int, dict]] = []
    used_ms: set[int] = set()
    seq = 0

    def emit(at: int, user: str, verb: str, obj: dict) -> None:
        nonlocal seq
        while at in used_ms:  # keep every timestamp distinct
            at += 1
        used_ms.add(at)
        events.append(
            (
                at,
                seq,
                {
                    "subject": {"type": "user", "id": user},
                    "verb": verb,
                    "object": obj,
                    "context": {"at": at},
                },
            )
        )
        seq += 1

    def item(sku: str, count: int | None = None) -> dict:
        obj = {"type": "item", "id": sku, "price": CATALOG[sku]}
        if count is not None:
            obj["count"] = count
        return obj

    def session(user: str, at: int, will_order: bool, basket_size: int) -> int:
        """Emit one browsing session starting at `at`; return the time of its last event."""
        step = lambda: rng.randint(8, 240) * 1000 + rng.randint(0, 999)  # noqa: E731
        emit(
            at,
            user,
            "STARTED_BROWSING",
            {"type": "page", "id": rng.choice(["home", "search", "promo"])},
        )
        basket: dict[str, int] = {}
        for _ in range(rng.randint(2, 6)):
            at += step()
            emit(at, user, "VIEWED_ITEM", item(rng.choice(list(CATALOG))))
        for _ in range(basket_size):
            sku = rng.choice(list(CATALOG))
            at += step()
            emit(at, user, "VIEWED_ITEM", item(sku))
            at += step()
            n = rng.choice([1, 1, 1, 2, 3])
            emit(at, user, "ADDED_ITEM_TO_BASKET", item(sku, n))
            basket[sku] = basket.get(sku, 0) + n
            if rng.random() < 0.2:
                at += step()
                n = rng.randint(1, 4)
                emit(at, user, "CHANGED_ITEM_COUNT_IN_BASKET", item(sku, n))
                basket[sku] = n
        if basket and rng.random() < 0.25:
            sku = rng.choice(sorted(basket))
            at += step()
            emit(at, user, "REMOVED_ITEM_FROM_BASKET", item(sku))
            del basket[sku]
        if will_order and basket:
            at += step()
            total = round(sum(CATALOG[s] * c for s, c in basket.items()), 2)
            emit(
                at,
                user,
                "ORDERED",
                {
                    "type": "order",
                    "id": f"o-{seq:05d}",
                    "total": total,
                    "count": sum(basket.values()),
                },
            )
            if rng.random() < 0.3:
                at += step()
                emit(at, user, "VIEWED_ITEM", item(rng.choice(list(CATALOG))))
        return at

    users = [f"u{n}" for n in range(1, 41)]
    for ui, user in enumerate(users):
        at = t0 + rng.randint(0, 6 * 3600) * 1000
        n_sessions = rng.randint(4, 7)
        for s in range(n_sessions):
            last = s == n_sessions - 1
            basket_size = rng.choice([0, 1, 1, 2, 2, 3, 4])
            will_order = rng.random() < 0.4
            if last and ui % 4 == 0:
                # Finish after the closing users below: these are abandoned at the very end
                # of the log, not 30 min before it.
                break
            at = session(user, at, will_order, basket_size)
            at += rng.randint(45, 720) * 60 * 1000  # > 30 min of inactivity
            if at > t0 + horizon - 4 * 3600 * 1000:
                break
    # Closing activity: every 4th user is active in the last half hour of the log; half of
    # them abandon, half order. Everybody else went quiet at least ~1.5 h earlier.
    end_start = t0 + horizon
    for ui, user in enumerate(users):
        if ui % 4 == 0:
            session(
                user,
                end_start + rng.randint(0, 15) * 60 * 1000,
                will_order=ui % 8 == 0,
                basket_size=rng.randint(1, 3),
            )
    events.sort(key=lambda e: (e[0], e[1]))
    return _dump([e for _, _, e in events])


# --------------------------------------------------------------------------- anomalies
WORDS = (
    "request served cache miss user login ok retry timeout queue job done upstream "
    "status healthy latency ms read write bytes shard token refreshed"
).split()


def gen_anomalies(seed: int = 4242) -> str:
    """Log messages of ~20 subjects (services); a few bodies are injected stack-trace-size blobs.

    Normal bodies are 45-60 or 100-115 characters; injected ones 600-2000. Each injected event carries
    "injected": true (the spec does not read it; it is there to check the output against).
    """
    rng = random.Random(seed)
    start = datetime(2024, 5, 1, tzinfo=UTC)
    subjects = [f"svc-{n:02d}" for n in range(1, 21)]
    events: list[tuple[datetime, int, dict]] = []
    used: set[datetime] = set()
    seq = 0
    for subject in subjects:
        n = rng.randint(70, 130)
        times = sorted(
            start + timedelta(seconds=rng.randint(0, 3 * 24 * 3600 - 1)) for _ in range(n)
        )
        # Injections: most subjects get 1-3 after their 10th event; svc-05 gets one at its
        # 3rd event (too early to be judged: fewer than 5 prior events).
        inject = set(rng.sample(range(10, n), rng.choice([0, 1, 1, 2, 3])))
        if subject == "svc-05":
            inject.add(2)
        for i, t in enumerate(times):
            while t in used:
                t += timedelta(seconds=1)
            used.add(t)
            level = rng.choices(["INFO", "WARN", "ERROR"], [8, 2, 1])[0]
            if i in inject:
                size = rng.randint(600, 2000)
                lines = []
                while sum(len(x) + 1 for x in lines) < size:
                    lines.append(
                        f'  File "/srv/{subject}/{rng.choice(WORDS)}.py", line {rng.randint(1, 900)}, in {rng.choice(WORDS)}'
                    )
                body = "Traceback (most recent call last):\n" + "\n".join(lines)[:size]
                ev = {
                    "subject": subject,
                    "timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "level": "ERROR",
                    "body": body,
                    "injected": True,
                }
            else:
                # two kinds of message: short status lines and longer request lines
                target = rng.randint(45, 60) if rng.random() < 0.5 else rng.randint(100, 115)
                body = f"{level.lower()}:"
                while len(body) < target:
                    body += " " + (
                        rng.choice(WORDS) if rng.random() < 0.8 else str(rng.randint(0, 99999))
                    )
                body = body[:target]
                ev = {
                    "subject": subject,
                    "timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "level": level,
                    "body": body,
                }
            events.append((t, seq, ev))
            seq += 1
    events.sort(key=lambda e: (e[0], e[1]))
    return _dump([e for _, _, e in events])


GENERATORS = {"boosts": gen_boosts, "cart": gen_cart, "anomalies": gen_anomalies}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed logs")
    ap.add_argument("names", nargs="*", default=list(GENERATORS))
    args = ap.parse_args(argv)
    status = 0
    for name in args.names:
        text = GENERATORS[name]()
        path = LOGS / f"{name}.log"
        if args.check:
            if not path.exists() or path.read_text() != text:
                print(f"{path.relative_to(ROOT)}: differs from a fresh generation", file=sys.stderr)
                status = 1
        else:
            path.write_text(text)
            print(f"{path.relative_to(ROOT)}: {text.count(chr(10))} events")
    return status


if __name__ == "__main__":
    sys.exit(main())
