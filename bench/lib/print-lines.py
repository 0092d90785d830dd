#!/usr/bin/env python3
"""Prints exactly N bytes as 100-byte lines with print(), one line per call: run unbuffered (PYTHONUNBUFFERED=1,
as train-wrapper sets it), every line is its own write(2), as a training script's progress lines are."""
import sys

LINE = 100


def main():
    total = int(sys.argv[1])
    lines, rest = divmod(total, LINE)
    text = "step=%07d loss=0.1234 "
    for i in range(lines):
        print((text % i).ljust(LINE - 1, "x"))
    if rest:
        print("x" * (rest - 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
