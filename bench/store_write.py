"""Benchmark: write 10,000 observations to a fresh history database.

    .venv/bin/python bench/store_write.py [--count N] [--batch N]

Prints the time to record N observations (in batches, one transaction each, as a run
does) and the size of the database per 10,000 observations. Target: < 1 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from linkaudit.config import BATCH_SIZE
from linkaudit.history import Store
from linkaudit.model import Hop, Kind, Observation, Resource, RunState, Verdict

VERDICTS = list(Verdict)


def observations(count: int) -> list[Observation]:
    out = []
    for i in range(count):
        url = f"https://host{i % 97}.example.org/course/{i}/lecture-notes"
        out.append(
            Observation(
                url=url,
                verdict=VERDICTS[i % len(VERDICTS)],
                final_url=url + "/",
                http_status=200,
                hops=(Hop(url, 301), Hop(url + "/", 200)),
                title=f"Lecture {i}: an introduction to something worth learning",
                flags=("not_modified",) if i % 5 == 0 else (),
                elapsed_ms=100 + i % 900,
                checked_at="2026-11-22T06:00:00Z",
                etag=f'W/"{i:08x}"',
                last_modified="Sat, 21 Nov 2026 10:00:00 GMT",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=BATCH_SIZE)
    args = parser.parse_args()
    obs = observations(args.count)
    resources = [Resource(title=o.title or "", section="", kind=Kind.WEB, url=o.url) for o in obs]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.db"
        sizes, times = [], []
        for _ in range(2):  # the second run measures observations alone (resources known)
            with Store.open(path) as store:
                store.start_run(resources)
                start = time.perf_counter()
                for i in range(0, len(obs), args.batch):
                    store.record(obs[i : i + args.batch])
                times.append(time.perf_counter() - start)
                store.finish_run(RunState.COMPLETE)
                store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            sizes.append(path.stat().st_size)
    scale = 10_000 / args.count
    for n, elapsed in enumerate(times, 1):
        print(
            f"run {n}: recorded {args.count} observations in batches of {args.batch}:"
            f" {elapsed:.3f} s ({args.count / elapsed:,.0f}/s)"
        )
    print(
        f"database after run 1 (catalog + observations): {sizes[0] * scale / 1e6:.2f} MB"
        " per 10,000 URLs"
    )
    print(
        f"growth per further run: {(sizes[1] - sizes[0]) * scale / 1e6:.2f} MB"
        " per 10,000 observations"
    )


if __name__ == "__main__":
    main()
