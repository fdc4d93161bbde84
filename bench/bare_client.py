"""The floor a Python client meets on the simulated web: the bench's workload sent by the
least an asyncio checker can do, beside which bench/throughput.py's numbers read.

    .venv/bin/python bench/bare_client.py --urls 10000 --hosts 50 --latency 0.05

Same server as bench/throughput.py (tests/simweb.py in a process of its own), same
limits (64 at once, at most --per-host per host), keep-alive connections kept per host;
each answer's head is read and its Content-Length body dropped. No titles, no
classification, no history, no report: what is left above the floor N*L/64 is the
server's and the event loop's, which no Python checker here gets under.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time

from throughput import start_server

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def ask_all(urls: int, hosts: int, port: int, concurrency: int, per_host: int) -> None:
    gate = asyncio.Semaphore(concurrency)
    slots = [asyncio.Semaphore(per_host) for _ in range(hosts)]
    idle: list[list[Connection]] = [[] for _ in range(hosts)]

    async def one(i: int) -> None:
        host, address = i % hosts, f"127.0.0.{2 + i % hosts}"
        async with slots[host], gate:
            conn = idle[host].pop() if idle[host] else await asyncio.open_connection(address, port)
            reader, writer = conn
            request = f"GET /p{i // hosts} HTTP/1.1\r\nHost: {address}:{port}\r\n\r\n"
            writer.write(request.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = head.lower().split(b"content-length:")[1].split(b"\r\n")[0]
            await reader.readexactly(int(length))
            idle[host].append(conn)

    await asyncio.gather(*(one(i) for i in range(urls)))
    for conns in idle:
        for _, writer in conns:
            writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    floor = args.urls * args.latency / min(args.concurrency, args.hosts * args.per_host)
    server, port = start_server(args.hosts, args.latency, -(-args.urls // args.hosts))
    try:
        for _ in range(args.repeat):
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            started = time.monotonic()
            asyncio.run(ask_all(args.urls, args.hosts, port, args.concurrency, args.per_host))
            wall = time.monotonic() - started
            used = resource.getrusage(resource.RUSAGE_SELF)
            seconds = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
            print(f"bare asyncio {wall:6.2f} s  {wall / floor:5.2f}x floor  CPU {seconds:5.2f} s")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
