"""What every one-section bench script shares: its options, and saving what it measured."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from .measure import BENCH, log
from .results import write_section


def options(doc: str, section: str, scales: str, repeat: int | None = None,
            argv: list[str] | None = None) -> argparse.Namespace:
    """--scales, --seed, --cache, --output (and --repeat when `repeat` is given), parsed."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--scales", default=scales, help=f"K values (default {scales})")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    if repeat is not None:
        parser.add_argument("--repeat", type=int, default=repeat,
                            help=f"turns of each variant (default {repeat})")
    parser.add_argument("--cache", type=Path, default=BENCH / "cache",
                        help="generated data and the bench server (default bench/cache)")
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md",
                        help=f"results file whose `{section}` section is rewritten")
    args = parser.parse_args(argv)
    args.argv = argv if argv is not None else sys.argv[1:]
    args.scales = [int(k) for k in args.scales.split(",")]
    args.cache = args.cache.absolute()
    return args


def save(args: argparse.Namespace, section: str, result: dict,
         render: Callable[[dict], str]) -> None:
    """The raw figures as JSON in the cache, and the section rewritten in RESULTS.md."""
    (args.cache / f"results-{section}.json").write_text(json.dumps(result, indent=1,
                                                                   default=str))
    write_section(args.output, render(result), section)
    log(f"wrote {args.output}")
