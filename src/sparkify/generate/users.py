"""Users as functions of their index, and the log-line templates that hold their fields."""

from __future__ import annotations

import math
from array import array

from sparkify.generate.ids import js, mix
from sparkify.generate.words import AGENTS, FIRST_F, FIRST_M, LAST, METROS

TEMPLATES_KEPT = 4_096  # users whose log templates are kept


def _escaped(words: tuple[str, ...]) -> tuple[bytes, ...]:
    """JSON of each value, with % doubled: they become part of a %-template."""
    return tuple(js(w).replace(b"%", b"%%") for w in words)


_FIRST_F_B, _FIRST_M_B, _LAST_B = _escaped(FIRST_F), _escaped(FIRST_M), _escaped(LAST)
_METROS_B, _AGENTS_B = _escaped(METROS), _escaped(AGENTS)


class Users:
    """Users as functions of their index; only the level and the next free time are state."""

    def __init__(self, seed: int, count: int, start_ms: int) -> None:
        self.key = mix(seed * 0x9FB21C651E98DF25 + 29)
        self.count = count
        self.start_ms = start_ms
        self.level = bytearray(count)  # 0 not seen yet, 1 free, 2 paid
        self.busy_until = array("q", bytes(8 * count))  # ms; no new session before
        # activity rank -> user index: a bijection that scatters the busiest users
        mult = 2654435761 % count or 1
        while math.gcd(mult, count) != 1:
            mult += 1
        self.mult = mult
        self.offset = self.key % count
        self.heavy = max(1, count // 5)
        # templates of the first users seen, who are mostly the busiest: a bounded cache
        self.templates: dict[int, tuple[bytes, bytes, int]] = {}

    def profile(self, u: int, rank: int) -> tuple[bytes, bytes, int]:
        """Log templates (free, paid) for user u, and the level they start with."""
        h = mix(self.key ^ (u * 0xBF58476D1CE4E5B9 + 7))
        female = h % 100 < 58
        first = (_FIRST_F_B[(h >> 8) % len(_FIRST_F_B)] if female
                 else _FIRST_M_B[(h >> 8) % len(_FIRST_M_B)])
        last = _LAST_B[(h >> 16) % len(_LAST_B)]
        x = ((h >> 24) & 0x3FF) / 1024  # bigger metros get more users: x² leans to the head
        location = _METROS_B[int(x * x * len(_METROS_B))]
        agent = _AGENTS_B[int((((h >> 34) & 0x3FF) / 1024) ** 1.6 * len(_AGENTS_B))]
        registered = self.start_ms - 3_600_000 - (h >> 44) % (120 * 86_400_000)
        paid = ((h >> 8) & 0xFF) % 100 < (60 if rank < self.heavy else 18)
        head = (b'{"artist":%s,"auth":"Logged In","firstName":' + first + b',"gender":'
                + (b'"F"' if female else b'"M"') + b',"itemInSession":%d,"lastName":' + last
                + b',"length":%s,"level":"')
        tail = (b'","location":' + location + b',"method":"%s,"registration":'
                + b"%d.0" % registered + b',"sessionId":%d,"song":%s,"status":%d,"ts":%d,'
                b'"userAgent":' + agent + b',"userId":"' + b"%d" % (u + 1) + b'"}')
        return head + b"free" + tail, head + b"paid" + tail, 2 if paid else 1


LOGGED_OUT = (b'{"artist":null,"auth":"Logged Out","firstName":null,"gender":null,'
              b'"itemInSession":%d,"lastName":null,"length":null,"level":"%s","location":null,'
              b'"method":"%s,"registration":null,"sessionId":%d,"song":null,"status":%d,'
              b'"ts":%d,"userAgent":null,"userId":""}')
LEVEL_NAME = (b"", b"free", b"paid")
