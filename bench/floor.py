"""The kernel's own floor: a trivial cell's round trip through Python's jupyter_client over the
same connection file (and, in Docker, inside the same container) as codeact's client.
Usage: python3 floor.py CONNECTION_FILE N  -> prints one JSON object."""
import json
import sys
import time

from jupyter_client import BlockingKernelClient


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    kc = BlockingKernelClient(connection_file=path)
    kc.load_connection_file()
    kc.start_channels()
    kc.wait_for_ready(timeout=30)
    kc.execute_interactive("_floor = 0", timeout=30)
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        reply = kc.execute_interactive("_floor += 1", timeout=30, output_hook=lambda msg: None)
        samples.append((time.perf_counter() - start) * 1000)
        assert reply["content"]["status"] == "ok", reply
    kc.stop_channels()
    samples.sort()
    print(json.dumps({"p50_ms": samples[len(samples) // 2], "p99_ms": samples[int(len(samples) * 0.99) - 1], "n": n}))


main()
