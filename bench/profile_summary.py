"""Summarise py-spy collapsed stacks (from `bench/run.py --profile DIR`).

    .venv/bin/python bench/profile_summary.py DIR/sqlite-rush-*.txt [--top 25] [--grep core/]

Prints the functions with the largest inclusive share of samples (idle samples of the
event loop are counted apart), optionally only frames whose text contains --grep.
"""

from __future__ import annotations

import argparse
from collections import Counter

IDLE = ("select (selectors.py", "_run_once (asyncio/base_events.py", "poll (selectors.py")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--grep", default="")
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = idle = 0
    for name in args.files:
        for line in open(name, encoding="utf-8", errors="replace"):
            stack, _sep, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            frames = stack.split(";")
            total += n
            if frames and frames[-1].startswith("select (selectors.py"):
                idle += n
                continue
            for frame in set(frames):
                if args.grep in frame:
                    inclusive[frame] += n
            own[frames[-1]] += n
    print(f"samples {total}, idle in the event loop {idle} ({idle / max(total, 1):.0%})")
    print("\ninclusive:")
    for frame, n in inclusive.most_common(args.top):
        print(f"{n / total:6.1%}  {frame}")
    print("\nself:")
    for frame, n in own.most_common(args.top):
        print(f"{n / total:6.1%}  {frame}")


if __name__ == "__main__":
    main()
