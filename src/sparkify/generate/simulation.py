"""Sessions, simulated whole when they start, into per-hour buckets that are written in order.

Every random draw comes from one `random.Random(seed)` in a fixed order, so the same config
gives the same bytes: a change that adds, drops or reorders a draw changes every file after it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sparkify.generate.catalog import Songs
from sparkify.generate.config import GenerateConfig, GenerateResult
from sparkify.generate.pages import BROWSE_TABLE, FOLLOW, MID, PAGES, STATUS
from sparkify.generate.users import LEVEL_NAME, LOGGED_OUT, TEMPLATES_KEPT, Users
from sparkify.generate.writer import DayWriter

_GUEST_SHARE = 0.015  # sessions that never log in
_LOGIN_SHARE = 0.12  # sessions that browse logged out, then log in
_LOGOUT_SHARE = 0.10  # sessions that end with Logout and a logged-out Home
_SESSION_GAP_S = 900  # at least this long between two sessions of one user
_HOUR_MS = 3_600_000

# Share of sessions starting in each UTC hour: the daily rhythm of the real sample, smoothed.
_HOURLY = (2.3, 2.4, 2.0, 1.7, 1.9, 2.5, 2.8, 2.8, 3.1, 3.8, 4.4, 4.8, 4.6, 5.1, 6.2, 7.0,
           7.6, 7.1, 7.1, 5.4, 4.9, 4.1, 3.1, 2.8)
_WEEKDAY = (1.0, 1.02, 1.03, 1.02, 1.05, 0.92, 0.88)  # Monday first


def _session_lengths() -> tuple[int, ...]:
    """Events per session, 4,096 quantiles of a lognormal: many short sessions and a long tail
    (a third have one event, the mean is about 9; the sample's is 8.6), at most 250."""
    from statistics import NormalDist

    normal = NormalDist(1.27, 1.4)
    return tuple(min(250, max(1, int(math.exp(normal.inv_cdf((k + 0.5) / 4096)))))
                 for k in range(4096))


_SESSION_LENGTHS = _session_lengths()
_MEAN_SESSION = sum(_SESSION_LENGTHS) / len(_SESSION_LENGTHS)

Push = Callable[[tuple[int, bytes, tuple]], None]


def _no_hour_yet(event: tuple[int, bytes, tuple]) -> None:
    """`push` before a session's first event: never called, as `cut` = -1 rolls over first."""
    raise AssertionError("an event placed before its hour was found")


class Simulation:
    """Sessions, whole, into per-hour buckets; each hour is sorted by time and written out.

    A session's events go to the bucket of their hour as (ts, template, values). Each loop
    that places events keeps the end of the current hour (`cut`) and that hour's `push`, and
    asks `_hour` for the next pair when an event's time reaches `cut`.
    """

    def __init__(self, config: GenerateConfig, result: GenerateResult) -> None:
        self.config = config
        self.result = result
        self.rng = random.Random(config.seed)
        start = datetime(config.start_date.year, config.start_date.month, config.start_date.day,
                         tzinfo=UTC)
        self.start_ms = int(start.timestamp()) * 1000
        self.end_ms = self.start_ms + config.days * 86_400_000
        self.ms = self.rng.randrange(1000)  # the app stamps events at one sub-second offset
        self.songs = Songs(config.seed, config.songs)
        self.users = Users(config.seed, config.users, self.start_ms)
        self.session_id = 0
        self.pages: dict[str, int] = dict.fromkeys(PAGES, 0)
        # per hour: (ts, template, values) of its events; lines are formatted when written,
        # so the events that open sessions already placed in later hours stay small
        self.buckets: dict[int, list[tuple[int, bytes, tuple]]] = {}
        # popularity: Zipf-Mandelbrot, rank = q * ((M+q)/q)**u - q (the inverse of its CDF)
        self.cat_q = 1.0 + config.songs / 25
        self.cat_base = (config.songs + self.cat_q) / self.cat_q
        self.out_q = 30.0
        self.out_base = (self.songs.outside + self.out_q) / self.out_q
        self.user_q = max(1.0, config.users / 50)
        self.user_base = (config.users + self.user_q) / self.user_q

    def _hour(self, ts: int) -> tuple[int, Push]:
        """The hour rollover: the end of the hour that holds `ts`, and its bucket's append."""
        hour = (ts - self.start_ms) // _HOUR_MS
        return self.start_ms + (hour + 1) * _HOUR_MS, self.buckets.setdefault(hour, []).append

    def _pick_user(self, start: int) -> tuple[int, int] | None:
        rnd = self.rng.random
        users = self.users
        for _ in range(4):
            rank = int(self.user_q * self.user_base ** rnd() - self.user_q)
            if rank >= users.count:
                rank = users.count - 1
            u = (rank * users.mult + users.offset) % users.count
            if users.busy_until[u] <= start:
                return u, rank
        return None

    def session(self, start: int, budget: int) -> int:
        """Simulate one session from `start` (ms), at most `budget` events; return its count."""
        rng = self.rng
        planned = min(budget, _SESSION_LENGTHS[rng.getrandbits(12)])
        picked = None if rng.random() < _GUEST_SHARE else self._pick_user(start)
        self.session_id += 1
        if picked is None:
            return self._visit(start, planned)
        return self._member(start, planned, *picked)

    def _visit(self, ts: int, planned: int) -> int:
        """A visitor who never logs in: Home, perhaps About or Help; at most three pages."""
        rnd = self.rng.random
        end_ms, pages, sid = self.end_ms, self.pages, self.session_id
        cut = -1
        push: Push = _no_hour_yet
        item = 0
        for k in range(min(planned, 3)):
            if ts >= cut:
                if ts >= end_ms:
                    break
                cut, push = self._hour(ts)
            page = "Home" if k == 0 or rnd() < 0.5 else ("About" if rnd() < 0.6 else "Help")
            push((ts, LOGGED_OUT, (item, b"free", MID[page], sid, STATUS[page], ts)))
            pages[page] += 1
            item += 1
            ts += (5 + int(rnd() * 90)) * 1000
        self.result.logged_out_events += item
        return item

    def _member(self, ts: int, planned: int, u: int, rank: int) -> int:
        """A user's session: perhaps a few logged-out pages and Login, pages and songs,
        perhaps Logout and the logged-out Home after it."""
        rnd = self.rng.random
        users = self.users
        profile = users.templates.get(u)
        if profile is None:
            profile = users.profile(u, rank)
            if len(users.templates) < TEMPLATES_KEPT:
                users.templates[u] = profile
        free_t, paid_t, first_level = profile
        level = users.level[u] or first_level

        prefix = 0  # logged-out pages before Login
        if planned >= 3 and rnd() < _LOGIN_SHARE:
            prefix = 3 if planned >= 5 and rnd() < 0.3 else 2
        logout = planned - prefix >= 3 and rnd() < _LOGOUT_SHARE
        browse_end = planned - 2 if logout else planned  # where Logout goes, when it does

        ts, item = self._log_in(ts, prefix, level)
        ts, item, level = self._browse(ts, item, prefix, browse_end, level, free_t, paid_t)
        if logout and ts < self.end_ms:
            ts, item = self._log_out(ts, item, level, paid_t if level == 2 else free_t)
        users.level[u] = level
        users.busy_until[u] = ts + (_SESSION_GAP_S + int(rnd() * 3 * 3600)) * 1000
        return item

    def _log_in(self, ts: int, prefix: int, level: int) -> tuple[int, int]:
        """`prefix` logged-out pages: Home, perhaps About or Help, then Login; (ts, item)."""
        rnd = self.rng.random
        end_ms, pages, sid = self.end_ms, self.pages, self.session_id
        cut = -1
        push: Push = _no_hour_yet
        item = 0
        for k in range(prefix):
            if ts >= cut:
                if ts >= end_ms:
                    break
                cut, push = self._hour(ts)
            page = "Login" if k == prefix - 1 else ("Home" if k == 0 else
                                                    ("About" if rnd() < 0.5 else "Help"))
            push((ts, LOGGED_OUT, (item, LEVEL_NAME[level], MID[page], sid, STATUS[page], ts)))
            pages[page] += 1
            item += 1
            ts += (3 + int(rnd() * 60)) * 1000
        self.result.logged_out_events += item
        return ts, item

    def _browse(self, ts: int, item: int, first: int, end: int, level: int, free_t: bytes,
                paid_t: bytes) -> tuple[int, int, int]:
        """Logged-in pages `first` … `end - 1`, songs mostly; a Submit changes the level.

        The first page is Home after a login (and often otherwise). Returns (ts, item, level).
        """
        rng = self.rng
        rnd, getrandbits = rng.random, rng.getrandbits
        songs = self.songs
        match_rate = self.config.match_rate
        cat_q, cat_base, cat_last = self.cat_q, self.cat_base, songs.catalog - 1
        out_q, out_base = self.out_q, self.out_base
        catalog_play, catalog_frags, outside_frags = (songs.catalog_play, songs.catalog_frags,
                                                      songs.outside_frags)
        cat_kept = len(catalog_frags) - 1
        end_ms, pages, sid = self.end_ms, self.pages, self.session_id
        template = paid_t if level == 2 else free_t
        browse = BROWSE_TABLE[level]
        mid_song = MID["NextSong"]
        cut = -1
        push: Push = _no_hour_yet
        first_item = item
        matched = others = changes = 0

        follow = "Home" if first or rnd() < 0.45 else None
        for k in range(first, end):
            if ts >= cut:
                if ts >= end_ms:
                    break
                cut, push = self._hour(ts)
            bits = getrandbits(16)  # the page from the top ten bits, a skip from the rest
            if follow is None:
                page = browse[bits >> 6]
                if page == "NextSong":
                    if rnd() < match_rate:
                        i = int(cat_q * cat_base ** rnd() - cat_q)
                        frag = (catalog_frags[i] if i <= cat_kept
                                else catalog_play(min(i, cat_last)))
                        matched += 1
                    else:
                        frag = outside_frags[int(out_q * out_base ** rnd() - out_q)]
                    push((ts, template, (frag[0], item, frag[1], mid_song, sid, frag[2], 200,
                                          ts)))
                    # the next song starts when this one ends, unless this one is skipped
                    ts += frag[3] if bits & 63 > 4 else 5000 + int(rnd() * frag[3])
                    item += 1
                    continue
            else:
                page, follow = follow, None
            push((ts, template, (b"null", item, b"null", MID[page], sid, b"null",
                                  STATUS[page], ts)))
            pages[page] += 1
            others += 1
            item += 1
            gap = 5 + (bits & 63) * 2
            nxt = FOLLOW.get(page)
            if nxt is not None:
                if k + 1 < end and rnd() < nxt[1]:
                    follow = nxt[0]
                    gap = 1 + (bits & 3)
            elif page == "Submit Upgrade" or page == "Submit Downgrade":
                level = 2 if page == "Submit Upgrade" else 1
                template = paid_t if level == 2 else free_t
                browse = BROWSE_TABLE[level]
                changes += 1
            ts += gap * 1000

        result = self.result
        result.matched_plays += matched
        result.song_plays += item - first_item - others
        result.level_changes += changes
        return ts, item, level

    def _log_out(self, ts: int, item: int, level: int, template: bytes) -> tuple[int, int]:
        """Logout, then the Home page a logged-out user sees (if still inside the data set)."""
        end_ms, pages, sid = self.end_ms, self.pages, self.session_id
        cut, push = self._hour(ts)
        push((ts, template, (b"null", item, b"null", MID["Logout"], sid, b"null", 307, ts)))
        pages["Logout"] += 1
        item += 1
        ts += (20 + int(self.rng.random() * 200)) * 1000
        if ts < end_ms:
            if ts >= cut:
                cut, push = self._hour(ts)
            push((ts, LOGGED_OUT, (item, LEVEL_NAME[level], MID["Home"], sid, 200, ts)))
            pages["Home"] += 1
            self.result.logged_out_events += 1
            item += 1
            ts += 5000
        return ts, item

    def run(self, writer: DayWriter, progress: Callable[[int, int], None] | None) -> None:
        """Hour by hour: start this hour's share of the remaining budget, write the hour."""
        config = self.config
        rnd = self.rng.random
        weights: list[float] = []
        for day in range(config.days):
            factor = _WEEKDAY[(config.start_date + timedelta(days=day)).weekday()]
            weights.extend(w * factor for w in _HOURLY)
        remaining_weight = [0.0] * (len(weights) + 1)
        for h in range(len(weights) - 1, -1, -1):
            remaining_weight[h] = remaining_weight[h + 1] + weights[h]

        budget = config.events
        last_hour = len(weights) - 1
        for hour, weight in enumerate(weights):
            hour_start = self.start_ms + hour * _HOUR_MS
            if budget > 0:
                want = budget * weight / remaining_weight[hour] / _MEAN_SESSION
                count = int(want) + (rnd() < want - int(want))
                starts = sorted(hour_start + int(rnd() * 3600) * 1000 + self.ms
                                for _ in range(count))
                for start in starts:
                    if budget <= 0:
                        break
                    budget -= self.session(start, budget)
                while budget > 0 and hour == last_hour:  # the last hour spends what is left
                    budget -= self.session(hour_start + int(rnd() * 3600) * 1000 + self.ms, budget)
            bucket = self.buckets.pop(hour, None)
            if bucket:
                bucket.sort()
                writer.write_hour(hour_start, bucket)
            if progress and hour % 24 == 23:
                progress(hour // 24 + 1, writer.events)
        writer.close()
        self.result.sessions = self.session_id
        self.result.active_users = len(self.users.level) - self.users.level.count(0)


