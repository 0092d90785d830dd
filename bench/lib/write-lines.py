#!/usr/bin/env python3
"""Writes exactly N bytes of 100-byte lines to stdout as fast as the pipe takes them (1 MB writes)."""
import os
import sys

LINE = 100
BLOCK_LINES = 10_000


def main():
    total = int(sys.argv[1])
    lines = [("step=%07d loss=0.1234 " % i).ljust(LINE - 1, "x") + "\n" for i in range(BLOCK_LINES)]
    block = memoryview("".join(lines).encode("ascii"))
    left = total
    while left > 0:
        chunk = block[: min(left, len(block))]
        while chunk:
            written = os.write(1, chunk)
            chunk = chunk[written:]
            left -= written
    return 0


if __name__ == "__main__":
    sys.exit(main())
