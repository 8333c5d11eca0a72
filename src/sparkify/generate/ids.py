"""Hashes, ids and escapes: every attribute of a song or user is a pure function of an index."""

from __future__ import annotations

import json

M64 = (1 << 64) - 1
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mix(x: int) -> int:
    """splitmix64's finaliser: a well-spread 64-bit hash, so attributes follow from an index."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def b36(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, d = divmod(n, 36)
        chars.append(_B36[d])
    return "".join(reversed(chars))


def letters(h: int, width: int) -> str:
    chars = []
    for _ in range(width):
        h, d = divmod(h, 26)
        chars.append(LETTERS[d])
    return "".join(chars)


def unique36(i: int, key: int) -> str:
    """8 base-36 characters that differ for every i < 2**40: a bijection, so ids never clash."""
    return b36((i * 0x9E3779B97 + key) & ((1 << 40) - 1), 8)


def js(text: str) -> bytes:
    """A JSON string the way the app's log writer escapes it: \\uXXXX for non-ASCII, \\/ for /."""
    return json.dumps(text).replace("/", "\\/").encode("ascii")


def mojibake(text: str) -> str:
    """UTF-8 read as Latin-1, twice: how non-ASCII artist names reach the real event logs."""
    for _ in range(2):
        text = text.encode("utf-8").decode("latin-1")
    return text

