"""Synthetic Sparkify data in the exact source format, at any size, streamed to disk.

The real sample is too small to prove speed and cannot ship with the repository, so this module
writes a data root that the loader cannot tell from the real one: the same layout, field order,
JSON types and byte-level quirks (song files as `json.dumps` writes them; log lines compact, with
`\\/` and `\\uXXXX` escapes, and no newline after a file's last line).

How it stays fast and flat:
- Nothing is stored per song, and per user only the level and when the next session may
  start: every attribute is a pure function of (seed, index) through a 64-bit mixer, so a
  catalog of a million songs costs no memory. Names, titles and lengths are rendered to JSON
  once per process, into small tables that every play picks from.
- Sessions are simulated whole when they start (a user never has two at once). Each event goes
  to the bucket of its hour as (ts, template, values); once an hour has started all its
  sessions, its bucket is sorted by time, formatted and appended to the day's file. Memory
  holds that hour and what open sessions put into the next few, not the data set.
- Each log line is one `bytes % tuple` on a per-session template that already holds the
  user's fields; a random draw or two per event picks the page, song and gap.
- The event budget is spent hour by hour: each hour starts sessions for its share (by the
  daily rhythm) of what is left, so `--events N` writes exactly N events.
"""

from __future__ import annotations

import functools
import json
import math
import os
import random
import shutil
import time
from array import array
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from .errors import SparkifyError

# The real sample: 8,056 events by 97 users over 30 days, 71 songs. --scale K multiplies it.
SAMPLE_EVENTS, SAMPLE_SONGS, SAMPLE_USERS, SAMPLE_DAYS = 8_056, 71, 97, 30
DEMO_EVENTS, DEMO_DAYS = 30_000, 30
DEFAULT_START = date(2018, 11, 1)
DEFAULT_SEED = 42
DEFAULT_MATCH_RATE = 0.2
MAX_EVENTS = 2_000_000_000

_M64 = (1 << 64) - 1
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WRITE_CHUNK = 2_048  # lines formatted and written at once
_GUEST_SHARE = 0.015  # sessions that never log in
_LOGIN_SHARE = 0.12  # sessions that browse logged out, then log in
_LOGOUT_SHARE = 0.10  # sessions that end with Logout and a logged-out Home
_SESSION_GAP_S = 900  # at least this long between two sessions of one user

# Share of sessions starting in each UTC hour: the daily rhythm of the real sample, smoothed.
_HOURLY = (2.3, 2.4, 2.0, 1.7, 1.9, 2.5, 2.8, 2.8, 3.1, 3.8, 4.4, 4.8, 4.6, 5.1, 6.2, 7.0,
           7.6, 7.1, 7.1, 5.4, 4.9, 4.1, 3.1, 2.8)
_WEEKDAY = (1.0, 1.02, 1.03, 1.02, 1.05, 0.92, 0.88)  # Monday first

# page: (method, status)
_PAGES = {
    "NextSong": ("PUT", 200), "Home": ("GET", 200), "Login": ("PUT", 307),
    "Logout": ("PUT", 307), "Settings": ("GET", 200), "Save Settings": ("PUT", 307),
    "Help": ("GET", 200), "About": ("GET", 200), "Upgrade": ("GET", 200),
    "Submit Upgrade": ("PUT", 307), "Downgrade": ("GET", 200), "Submit Downgrade": ("PUT", 307),
    "Error": ("GET", 404),
}
# Pages a logged-in user picks from, by level; follow-ups (Submit …, Save Settings) and
# Login/Logout are placed by the session logic, not drawn.
_BROWSE = {
    "free": (("NextSong", 780), ("Home", 95), ("Upgrade", 45), ("Settings", 14), ("Help", 9),
             ("About", 5), ("Error", 2)),
    "paid": (("NextSong", 862), ("Home", 84), ("Downgrade", 15), ("Settings", 12), ("Help", 9),
             ("About", 4), ("Error", 2)),
}
_FOLLOW = {"Upgrade": ("Submit Upgrade", 0.35), "Downgrade": ("Submit Downgrade", 0.06),
           "Settings": ("Save Settings", 0.2)}

# -- word lists: names are made up from these; none comes from the sample --------------------

_FIRST_F = ("Emma", "Olivia", "Ava", "Sophia", "Isabella", "Mia", "Abigail", "Emily", "Madison",
            "Chloe", "Ella", "Avery", "Lily", "Layla", "Riley", "Zoe", "Nora", "Hannah", "Aubrey",
            "Addison", "Natalie", "Leah", "Savannah", "Brooklyn", "Stella", "Claire", "Lucy",
            "Paisley", "Skylar", "Violet", "Aurora", "Hazel", "Kinsley", "Naomi", "Elena",
            "Sadie", "Ruby", "Alexa", "Autumn", "Piper", "Jasmine", "Kaitlyn", "Morgan", "Jade")
_FIRST_M = ("Liam", "Noah", "Mason", "Ethan", "Logan", "Lucas", "Jackson", "Aiden", "Oliver",
            "Jacob", "Elijah", "Carter", "Owen", "Wyatt", "Caleb", "Ryan", "Nathan", "Isaac",
            "Hunter", "Dylan", "Connor", "Gavin", "Evan", "Adrian", "Jordan", "Tyler", "Austin",
            "Cole", "Miles", "Jaxon", "Colin", "Blake", "Derek", "Tristan", "Marcus", "Bryce")
_LAST = ("Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
         "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Moore", "Jackson", "Martin",
         "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
         "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill",
         "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
         "Carter", "Roberts", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards",
         "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper", "Reed",
         "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson")
# US metro areas as the app's logs name them ("Principal City-Other Cities, ST[-ST]"), the
# biggest first: users are drawn towards the top of the list.
_METROS = (
    "New York-Newark-Jersey City, NY-NJ-PA", "Los Angeles-Long Beach-Anaheim, CA",
    "Chicago-Naperville-Elgin, IL-IN-WI", "Dallas-Fort Worth-Arlington, TX",
    "Houston-The Woodlands-Sugar Land, TX", "Washington-Arlington-Alexandria, DC-VA-MD-WV",
    "Miami-Fort Lauderdale-West Palm Beach, FL", "Philadelphia-Camden-Wilmington, PA-NJ-DE-MD",
    "Atlanta-Sandy Springs-Roswell, GA", "Boston-Cambridge-Newton, MA-NH",
    "Phoenix-Mesa-Scottsdale, AZ", "San Francisco-Oakland-Hayward, CA",
    "Riverside-San Bernardino-Ontario, CA", "Detroit-Warren-Dearborn, MI",
    "Seattle-Tacoma-Bellevue, WA", "Minneapolis-St. Paul-Bloomington, MN-WI",
    "San Diego-Carlsbad, CA", "Tampa-St. Petersburg-Clearwater, FL", "Denver-Aurora-Lakewood, CO",
    "St. Louis, MO-IL", "Baltimore-Columbia-Towson, MD", "Charlotte-Concord-Gastonia, NC-SC",
    "Orlando-Kissimmee-Sanford, FL", "San Antonio-New Braunfels, TX",
    "Portland-Vancouver-Hillsboro, OR-WA", "Pittsburgh, PA",
    "Sacramento--Roseville--Arden-Arcade, CA", "Las Vegas-Henderson-Paradise, NV",
    "Cincinnati, OH-KY-IN", "Kansas City, MO-KS", "Columbus, OH",
    "Indianapolis-Carmel-Anderson, IN", "Cleveland-Elyria, OH", "San Jose-Sunnyvale-Santa Clara, CA",
    "Nashville-Davidson--Murfreesboro--Franklin, TN", "Austin-Round Rock, TX",
    "Milwaukee-Waukesha-West Allis, WI", "Salt Lake City, UT", "Raleigh, NC",
    "New Orleans-Metairie, LA", "Birmingham-Hoover, AL", "Richmond, VA",
    "Louisville/Jefferson County, KY-IN", "Tucson, AZ", "Tulsa, OK", "Albany-Schenectady-Troy, NY",
    "Lansing-East Lansing, MI", "Portland-South Portland, ME", "Eugene, OR", "Columbia, SC",
    "Winston-Salem, NC", "Waterloo-Cedar Falls, IA", "Lake Havasu City-Kingman, AZ",
    "Santa Rosa, CA", "Lubbock, TX", "Ogden-Clearfield, UT", "Janesville-Beloit, WI",
    "La Crosse-Onalaska, WI-MN", "Myrtle Beach-Conway-North Myrtle Beach, SC-NC",
    "Harrisburg-Carlisle, PA", "Yuba City, CA", "Klamath Falls, OR", "Elkhart-Goshen, IN",
)
# Browsers of the time; WebKit-based ones arrive wrapped in double quotes, as in the app's logs.
_AGENTS = (
    ('"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) '
     'Chrome/36.0.1985.143 Safari/537.36"'),
    ('"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) '
     'Chrome/36.0.1985.143 Safari/537.36"'),
    ('"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.78.2 (KHTML, like Gecko) '
     'Version/7.0.6 Safari/537.78.2"'),
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0",
    ('"Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) '
     'Chrome/36.0.1985.125 Safari/537.36"'),
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    ('"Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 '
     '(KHTML, like Gecko) Version/7.0 Mobile/11D257 Safari/9537.53"'),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:31.0) Gecko/20100101 Firefox/31.0",
    ('"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) '
     'Chrome/37.0.2062.94 Safari/537.36"'),
    ('"Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) '
     'Chrome/36.0.1985.143 Safari/537.36"'),
    "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; WOW64; Trident/6.0)",
    "Mozilla/5.0 (X11; Linux x86_64; rv:31.0) Gecko/20100101 Firefox/31.0",
    ('"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_0) AppleWebKit/537.36 (KHTML, like Gecko) '
     'Chrome/37.0.2062.94 Safari/537.36"'),
    ('"Mozilla/5.0 (iPad; CPU OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 (KHTML, like Gecko) '
     'Version/7.0 Mobile/11D257 Safari/9537.53"'),
    "Mozilla/5.0 (Windows NT 5.1; rv:31.0) Gecko/20100101 Firefox/31.0",
    ('"Mozilla/5.0 (Windows NT 6.2; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) '
     'Chrome/36.0.1985.125 Safari/537.36"'),
)
# Where artists come from; a third of them has no coordinates, a third no place at all.
_PLACES = (
    ("Nashville, TN", 36.16778, -86.77836), ("New York, NY", 40.71455, -74.00712),
    ("Los Angeles, CA", 34.05349, -118.24532), ("London, England", 51.50632, -0.12714),
    ("Chicago, IL", 41.88415, -87.63241), ("Detroit, MI", 42.33168, -83.04792),
    ("Austin, TX", 30.26759, -97.74299), ("Seattle, WA", 47.60356, -122.32944),
    ("Atlanta, GA", 33.74831, -84.39111), ("Paris, France", 48.85693, 2.3412),
    ("Kingston, Jamaica", 17.99702, -76.79358), ("Berlin, Germany", 52.51607, 13.37698),
    ("Stockholm, Sweden", 59.33217, 18.06243), ("Toronto, Ontario, Canada", 43.64856, -79.38533),
    ("Sydney, Australia", -33.86963, 151.20695), ("Memphis, TN", 35.14968, -90.04892),
    ("New Orleans, LA", 29.95369, -90.07771), ("Manchester, England", 53.47962, -2.24881),
    ("Reykjavik, Iceland", 64.13548, -21.89541), ("Rio de Janeiro, Brazil", -22.97673, -43.19508),
    ("S\u00e3o Paulo, Brazil", -23.56287, -46.65468), ("Montr\u00e9al, Qu\u00e9bec", 45.51228, -73.55439),
    ("Oakland, CA", 37.80506, -122.27302), ("Minneapolis, MN", 44.97903, -93.26493),
)
_PLACES_NO_COORDS = ("California - LA", "Texas", "Brooklyn, NY", "Florida", "UK", "Ohio",
                     "Bronx, NY", "Oregon", "Ireland", "Bay Area, CA", "Pennsylvania", "Jamaica")
_ADJ = ("Broken", "Golden", "Electric", "Silent", "Lonely", "Wild", "Crazy", "Sweet", "Blue",
        "Dark", "Burning", "Endless", "Hollow", "Velvet", "Neon", "Lost", "Little", "Secret",
        "Bitter", "Frozen", "Brave", "Restless", "Stranger", "Distant", "Fading", "Shining",
        "Heavy", "Painted", "Sleepless", "Wicked", "Gentle", "Savage", "Faded", "Crystal",
        "Holy", "Wasted", "Purple", "Silver", "Tender", "Hungry", "Dangerous", "Perfect")
_NOUN = ("Heart", "Night", "Dream", "Fire", "River", "Road", "Summer", "Rain", "Star", "Angel",
         "Ghost", "Train", "Ocean", "Mirror", "Highway", "Shadow", "Garden", "Thunder", "Moon",
         "City", "Kiss", "Soul", "Memory", "Window", "Diamond", "Desert", "Storm", "Radio",
         "Paradise", "Heaven", "Stranger", "Island", "Morning", "Circus", "Wolf", "Lover",
         "Machine", "Echo", "Satellite", "Horizon", "Ballroom", "Caf\u00e9", "Fiesta", "Ni\u00f1a")
_VERB = ("Hold", "Take", "Leave", "Save", "Call", "Kiss", "Love", "Tell", "Show", "Drive",
         "Follow", "Wake", "Catch", "Bring", "Forget", "Find", "Chase", "Trust", "Need", "Miss")
_OBJ = ("Me", "You", "Us", "Her", "Him", "It", "Them")
_ADV = ("Tonight", "Again", "Forever", "Slowly", "Home", "Away", "Now", "Down", "Back", "Closer")
_BAND_WORDS = ("Kings", "Foxes", "Arrows", "Pilots", "Giants", "Wolves", "Lions", "Sparrows",
               "Tigers", "Ravens", "Rebels", "Saints", "Monks", "Ramblers", "Drifters", "Riders",
               "Twins", "Bandits", "Strangers", "Horses", "Hearts", "Sirens", "Echoes", "Seekers")
_ACCENTED = ("Bj\u00f6rn", "Jos\u00e9", "Ren\u00e9e", "Zo\u00eb", "Andr\u00e9", "Ra\u00fal",
             "Fran\u00e7ois", "S\u00f8ren", "M\u00fcller", "Ni\u00f1o", "Le\u00f3n", "Chlo\u00e9")


def _mix(x: int) -> int:
    """splitmix64's finaliser: a well-spread 64-bit hash, so attributes follow from an index."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def _b36(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, d = divmod(n, 36)
        chars.append(_B36[d])
    return "".join(reversed(chars))


def _letters(h: int, width: int) -> str:
    chars = []
    for _ in range(width):
        h, d = divmod(h, 26)
        chars.append(_LETTERS[d])
    return "".join(chars)


def _unique36(i: int, key: int) -> str:
    """8 base-36 characters that differ for every i < 2**40: a bijection, so ids never clash."""
    return _b36((i * 0x9E3779B97 + key) & ((1 << 40) - 1), 8)


def _js(text: str) -> bytes:
    """A JSON string the way the app's log writer escapes it: \\uXXXX for non-ASCII, \\/ for /."""
    return json.dumps(text).replace("/", "\\/").encode("ascii")


def _mojibake(text: str) -> str:
    """UTF-8 read as Latin-1, twice: how non-ASCII artist names reach the real event logs."""
    for _ in range(2):
        text = text.encode("utf-8").decode("latin-1")
    return text


# -- configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateConfig:
    """What to generate. Build it with `resolve`, which fills what the caller left open."""

    events: int
    days: int
    users: int
    songs: int
    start_date: date = DEFAULT_START
    seed: int = DEFAULT_SEED
    match_rate: float = DEFAULT_MATCH_RATE

    @classmethod
    def resolve(cls, *, events: int | None = None, days: int | None = None,
                users: int | None = None, songs: int | None = None,
                start_date: date | None = None, seed: int | None = None,
                match_rate: float | None = None, scale: float | None = None,
                demo: bool = False) -> GenerateConfig:
        """Defaults follow the sample's proportions: 8,056 events, 97 users, 71 songs a month.

        --scale K multiplies all three; --demo is a month of 30,000 events; with only --days,
        the sample's daily volume per user; with only --events, users and songs grow with it.
        Explicit values always win.
        """
        if demo and scale is not None:
            raise SparkifyError("--demo and --scale are two presets; choose one")
        if scale is not None and not (math.isfinite(scale) and scale > 0):
            raise SparkifyError(f"--scale must be a positive number, not {scale}")
        factor = scale if scale is not None else 1.0
        if demo:
            events = events if events is not None else DEMO_EVENTS
            days = days if days is not None else DEMO_DAYS
        elif scale is not None and events is None:
            events = round(SAMPLE_EVENTS * factor)
        days = days if days is not None else SAMPLE_DAYS
        if days < 1:
            raise SparkifyError(f"--days must be at least 1, not {days}")
        if events is None:
            per_user_day = SAMPLE_EVENTS / (SAMPLE_USERS * SAMPLE_DAYS)
            events = round(days * (users if users is not None else SAMPLE_USERS) * per_user_day)
        ratio = events / SAMPLE_EVENTS
        users = users if users is not None else max(1, round(SAMPLE_USERS * ratio))
        songs = songs if songs is not None else max(1, round(SAMPLE_SONGS * ratio))
        config = cls(events=events, days=days, users=users, songs=songs,
                     start_date=start_date or DEFAULT_START,
                     seed=DEFAULT_SEED if seed is None else seed,
                     match_rate=DEFAULT_MATCH_RATE if match_rate is None else match_rate)
        config.validate()
        return config

    def validate(self) -> None:
        if not 1 <= self.events <= MAX_EVENTS:
            raise SparkifyError(f"--events must be between 1 and {MAX_EVENTS:,}, not {self.events}")
        if self.users < 1:
            raise SparkifyError(f"--users must be at least 1, not {self.users}")
        if self.songs < 1:
            raise SparkifyError(f"--songs must be at least 1, not {self.songs}")
        if not 1 <= self.days <= 36_600:
            raise SparkifyError(f"--days must be between 1 and 36,600, not {self.days}")
        if not (0.0 <= self.match_rate <= 1.0):
            raise SparkifyError(f"--match-rate must be between 0 and 1, not {self.match_rate}")
        if not date(1971, 1, 1) <= self.start_date <= date(2099, 1, 1):
            raise SparkifyError(f"--start-date must be between 1971 and 2099, not {self.start_date}")
        if self.start_date + timedelta(days=self.days) > date(2099, 12, 31):
            raise SparkifyError("--start-date plus --days runs past 2099; use fewer days")


@dataclass
class GenerateResult:
    out: str
    config: dict
    events: int = 0
    song_plays: int = 0
    matched_plays: int = 0
    logged_out_events: int = 0
    sessions: int = 0
    active_users: int = 0
    level_changes: int = 0
    songs: int = 0
    artists: int = 0
    log_files: int = 0
    song_files: int = 0
    bytes_written: int = 0
    seconds: float = 0.0  # in all
    song_seconds: float = 0.0  # of which writing song_data (one small file per song)
    pages: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["config"] = {**self.config, "start_date": str(self.config["start_date"])}
        data["seconds"] = round(self.seconds, 3)
        data["song_seconds"] = round(self.song_seconds, 3)
        data["events_per_second"] = round(self.events / self.seconds) if self.seconds else None
        return data


# -- names, lengths and JSON fragments ---------------------------------------------------------


def _word_list(words: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[bytes, ...],
                                                tuple[bytes, ...]]:
    """The words, their JSON-escaped bytes (no quotes), and those of their mis-encoded form."""
    return (words, tuple(_js(w)[1:-1] for w in words),
            tuple(_js(_mojibake(w))[1:-1] for w in words))


_WORDS = {
    "first": _word_list(_FIRST_F + _FIRST_M), "last": _word_list(_LAST),
    "adj": _word_list(_ADJ), "noun": _word_list(_NOUN), "band": _word_list(_BAND_WORDS),
    "accented": _word_list(_ACCENTED), "verb": _word_list(_VERB), "obj": _word_list(_OBJ),
    "adv": _word_list(_ADV),
}
# A form is a sequence of word-list names and literal text; artist forms by h % 10.
_ARTIST_FORMS = (
    ("first", " ", "last"), ("first", " ", "last"), ("first", " ", "last"),
    ("The ", "adj", " ", "band"), ("The ", "adj", " ", "band"),
    ("noun", " ", "band"), ("noun", " ", "band"),
    ("accented", " ", "last"), ("adj", " ", "noun"), ("noun", " & The ", "band"),
)
_TITLE_FORMS = (
    ("adj", " ", "noun"), ("verb", " ", "obj", " ", "adv"), ("noun",), ("The ", "adj", " ", "noun"),
    ("noun", " of the ", "noun"), ("verb", " ", "obj"), ("adj", " ", "noun", " (", "adv", ")"),
    ("noun", " ", "adv"),
)
_LITERAL = {text: (text, _js(text)[1:-1]) for forms in (_ARTIST_FORMS, _TITLE_FORMS)
            for form in forms for text in form if text not in _WORDS}


def _render(form: tuple[str, ...], h: int, half: int | None, variant: int) -> str | bytes:
    """Fill a form from hash bits: variant 0 text, 1 escaped bytes, 2 escaped mis-encoded bytes.

    With `half` 0 or 1 only the even or odd entries of each list are used, so names drawn
    with different halves never coincide.
    """
    parts = []
    for token in form:
        words = _WORDS.get(token)
        if words is None:
            parts.append(_LITERAL[token][min(variant, 1)])
            continue
        n = len(words[0])
        if half is None:
            h, d = divmod(h, n)
        else:
            h, d = divmod(h, (n - half + 1) // 2)
            d = 2 * d + half
        parts.append(words[variant][d])
    return "".join(parts) if variant == 0 else b"".join(parts)


def _duration_table() -> tuple[int, ...]:
    """4,096 song lengths in 1e-5 s, lognormal around four minutes (quantiles, not draws)."""
    from statistics import NormalDist

    normal = NormalDist()
    table = []
    for k in range(4096):
        seconds = math.exp(5.42 + 0.38 * normal.inv_cdf((k + 0.5) / 4096))
        table.append(int(min(1800.0, max(20.0, seconds)) * 1000) * 100)
    return tuple(table)


def _session_lengths() -> tuple[int, ...]:
    """Events per session, 4,096 quantiles of a lognormal: many short sessions and a long tail
    (a third have one event, the mean is about 9; the sample's is 8.6), at most 250."""
    from statistics import NormalDist

    normal = NormalDist(1.27, 1.4)
    return tuple(min(250, max(1, int(math.exp(normal.inv_cdf((k + 0.5) / 4096)))))
                 for k in range(4096))


_SESSION_LENGTHS = _session_lengths()
_MEAN_SESSION = sum(_SESSION_LENGTHS) / len(_SESSION_LENGTHS)
_ARTIST_NAMES, _TITLES, _LENGTHS = 4096, 8192, 16384  # table sizes, powers of two
_OUTSIDE_MAX = 65_536
_TEMPLATES_KEPT = 4_096  # users whose log templates are kept
_CATALOG_KEPT = 8_192  # the head of the catalog, which gets most plays: fragments kept


@functools.cache
def _tables() -> tuple[tuple, tuple, tuple, tuple]:
    """Names, titles and lengths rendered once per process, so a play costs a few lookups.

    Catalog artist names: (text, JSON); outside ones: mis-encoded JSON; titles: (text, JSON,
    mis-encoded JSON); lengths: (seconds, JSON, ms until the next song). The seed does not
    enter here: it chooses among these.
    """
    catalog_artists, outside_artists = [], []
    for k in range(_ARTIST_NAMES):
        h = _mix(k * 2 + 1)
        form = _ARTIST_FORMS[h % 10]
        catalog_artists.append((_render(form, h >> 4, 0, 0),
                                b'"' + _render(form, h >> 4, 0, 1) + b'"'))
        h = _mix(k * 2 + 2)
        outside_artists.append(b'"' + _render(_ARTIST_FORMS[h % 10], h >> 4, 1, 2) + b'"')
    titles = []
    for k in range(_TITLES):
        h = _mix(k + 0x7177)
        form = _TITLE_FORMS[h & 7]
        titles.append((_render(form, h >> 3, None, 0), b'"' + _render(form, h >> 3, None, 1)
                       + b'"', b'"' + _render(form, h >> 3, None, 2) + b'"'))
    durations = _duration_table()
    lengths = []
    for k in range(_LENGTHS):
        h = _mix(k + 0x1E46)
        length = (durations[h & 4095] + (h >> 12) % 100_000) / 100_000
        lengths.append((length, repr(length).encode(), (int(length) + 1) * 1000))
    return tuple(catalog_artists), tuple(outside_artists), tuple(titles), tuple(lengths)


# -- the catalog and the songs outside it -----------------------------------------------------


class _Songs:
    """Songs and artists as functions of their index: nothing is stored per song.

    The catalog (written to song_data) and the wider world of songs that users play but the
    catalog lacks take artist names from disjoint halves of the word lists, and the outside
    ones are mis-encoded like the real logs' non-ASCII names, so a play of an outside song can
    never match a catalog song by chance: the matched share is the share of plays that chose
    the catalog.
    """

    def __init__(self, seed: int, catalog: int) -> None:
        self.key = _mix(seed * 0x2545F4914F6CDD1D + 17)
        self.catalog = catalog
        self.catalog_artists = max(1, math.ceil(catalog * 0.9))
        # songs outside the catalog: 20,000 at least; at most 65,536 (their fragments are kept)
        self.outside = min(_OUTSIDE_MAX, max(20_000, 40 * catalog))
        self.cat_names, self.out_names, self.titles, self.lengths = _tables()
        # JSON fragments of every outside song and of the catalog's head, built once (memory
        # stays the same however many events follow): a play is then one lookup. One extra
        # entry at the end takes the rare draw that float rounding puts at the very end of the
        # range, so the hot loop needs no bounds check.
        self.outside_frags = [self.outside_play(j) for j in range(self.outside)]
        self.outside_frags.append(self.outside_frags[-1])
        kept = min(catalog, _CATALOG_KEPT)
        self.catalog_frags = [self.catalog_play(i) for i in range(kept)]
        self.catalog_frags.append(self.catalog_play(min(kept, catalog - 1)))
        # fan-out of song_data/A/X/Y/: a few folders for a small catalog, 676 for a big one
        self.fan = min(26, max(2, math.ceil(math.sqrt(catalog / 12))))

    def _song_hash(self, i: int) -> int:
        h = ((i ^ self.key) * 0x9E3779B97F4A7C15) & _M64
        return h ^ (h >> 29)

    def _artist_hash(self, a: int) -> int:
        h = ((a ^ self.key) * 0xD6E8FEB86659FD93 + 0x51) & _M64
        return h ^ (h >> 31)

    def artist_of(self, i: int) -> int:
        # neighbouring songs share an artist now and then; popular songs, popular artists
        return i * self.catalog_artists // self.catalog

    def artist_record(self, a: int) -> tuple[str, str, str, float | None, float | None]:
        name = self.cat_names[(self._artist_hash(a) >> 20) & (_ARTIST_NAMES - 1)][0]
        h = _mix(self.key ^ (a * 0x100000001B3 + 0x51))
        artist_id = ("AR" + _unique36(a, self.key & 0xFFFF) + _letters(h >> 40, 4)
                     + _b36(h >> 24, 4))
        kind = (h >> 4) % 3
        if kind == 0:
            place, lat, lon = _PLACES[(h >> 8) % len(_PLACES)]
        elif kind == 1:
            place, lat, lon = _PLACES_NO_COORDS[(h >> 8) % len(_PLACES_NO_COORDS)], None, None
        else:
            place, lat, lon = "", None, None
        return artist_id, name, place, lat, lon

    def song_record(self, i: int) -> tuple[str, dict]:
        """(relative path, object) of catalog song i, fields in the real files' order."""
        hs = self._song_hash(i)
        artist_id, name, place, lat, lon = self.artist_record(self.artist_of(i))
        h = _mix(self.key ^ (i * 0xD6E8FEB86659FD93 + 3))
        c1, c2 = _LETTERS[(h >> 44) % self.fan], _LETTERS[(h >> 49) % self.fan]
        track = f"TRA{c1}{c2}{_unique36(i, self.key >> 20 & 0xFFFF)}128F{_letters(h >> 54, 1)}"
        song_id = "SO" + _letters(h >> 34, 5) + "12A" + _unique36(i, self.key >> 40 & 0xFFFF)
        year = 0 if (h >> 60) < 7 else 1960 + (h >> 29) % 51
        record = {
            "num_songs": 1, "artist_id": artist_id, "artist_latitude": lat,
            "artist_longitude": lon, "artist_location": place, "artist_name": name,
            "song_id": song_id, "title": self.titles[(hs >> 8) & (_TITLES - 1)][0],
            "duration": self.lengths[(hs >> 21) & (_LENGTHS - 1)][0], "year": year,
        }
        return f"song_data/A/{c1}/{c2}/{track}.json", record

    def catalog_play(self, i: int) -> tuple[bytes, bytes, bytes, int]:
        """(artist, length, song) JSON of a play naming catalog song i exactly, and the ms
        until the next song starts."""
        hs = self._song_hash(i)
        length = self.lengths[(hs >> 21) & (_LENGTHS - 1)]
        return (self.cat_names[(self._artist_hash(self.artist_of(i)) >> 20)
                               & (_ARTIST_NAMES - 1)][1],
                length[1], self.titles[(hs >> 8) & (_TITLES - 1)][1], length[2])

    def outside_play(self, j: int) -> tuple[bytes, bytes, bytes, int]:
        """A play of song j of the wider world (not in song_data); three songs per artist."""
        h = ((j ^ self.key) * 0x94D049BB133111EB) & _M64
        h ^= h >> 29
        length = self.lengths[(h >> 21) & (_LENGTHS - 1)]
        a = ((j // 3) * 0xBF58476D1CE4E5B9 + self.key) & _M64
        return (self.out_names[(a >> 40) & (_ARTIST_NAMES - 1)], length[1],
                self.titles[(h >> 8) & (_TITLES - 1)][2], length[2])


def _escaped(words: tuple[str, ...]) -> tuple[bytes, ...]:
    """JSON of each value, with % doubled: they become part of a %-template."""
    return tuple(_js(w).replace(b"%", b"%%") for w in words)


_FIRST_F_B, _FIRST_M_B, _LAST_B = _escaped(_FIRST_F), _escaped(_FIRST_M), _escaped(_LAST)
_METROS_B, _AGENTS_B = _escaped(_METROS), _escaped(_AGENTS)


class _Users:
    """Users as functions of their index; only the level and the next free time are state."""

    def __init__(self, seed: int, count: int, start_ms: int) -> None:
        self.key = _mix(seed * 0x9FB21C651E98DF25 + 29)
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
        h = _mix(self.key ^ (u * 0xBF58476D1CE4E5B9 + 7))
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


_LOGGED_OUT = (b'{"artist":null,"auth":"Logged Out","firstName":null,"gender":null,'
               b'"itemInSession":%d,"lastName":null,"length":null,"level":"%s","location":null,'
               b'"method":"%s,"registration":null,"sessionId":%d,"song":null,"status":%d,'
               b'"ts":%d,"userAgent":null,"userId":""}')
# the bytes between "method":" and ,"registration": hold the method and the page
_MID = {page: f'{method}","page":"{page}"'.encode() for page, (method, _) in _PAGES.items()}
_STATUS = {page: status for page, (_, status) in _PAGES.items()}
_LEVEL_NAME = (b"", b"free", b"paid")


def _page_table(weights: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    """A 1,024-slot lookup table: one random index picks a page with the given weights."""
    total = sum(w for _, w in weights)
    table: list[str] = []
    acc = 0
    for page, weight in weights:
        acc += weight
        table.extend([page] * (round(acc * 1024 / total) - len(table)))
    return tuple(table)


_BROWSE_TABLE = (None, _page_table(_BROWSE["free"]), _page_table(_BROWSE["paid"]))


# -- the simulation ---------------------------------------------------------------------------


class _Simulation:
    """Sessions, whole, into per-hour buckets; each hour is sorted by time and written out."""

    def __init__(self, config: GenerateConfig, result: GenerateResult) -> None:
        self.config = config
        self.result = result
        self.rng = random.Random(config.seed)
        start = datetime(config.start_date.year, config.start_date.month, config.start_date.day,
                         tzinfo=UTC)
        self.start_ms = int(start.timestamp()) * 1000
        self.end_ms = self.start_ms + config.days * 86_400_000
        self.ms = self.rng.randrange(1000)  # the app stamps events at one sub-second offset
        self.songs = _Songs(config.seed, config.songs)
        self.users = _Users(config.seed, config.users, self.start_ms)
        self.session_id = 0
        self.pages: dict[str, int] = dict.fromkeys(_PAGES, 0)
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
        """Simulate one session from `start` (ms), at most `budget` events; return its count.

        Events go to the bucket of their hour as (ts, template, values).
        """
        rng = self.rng
        rnd = rng.random
        planned = min(budget, _SESSION_LENGTHS[rng.getrandbits(12)])
        picked = None if rnd() < _GUEST_SHARE else self._pick_user(start)
        self.session_id += 1
        sid = self.session_id
        ms_start, end_ms = self.start_ms, self.end_ms
        buckets = self.buckets
        pages = self.pages
        ts = start
        cut = -1  # end of the hour whose bucket `push` fills
        push = None
        item = 0

        if picked is None:  # a visitor who never logs in
            for k in range(min(planned, 3)):
                if ts >= cut:
                    if ts >= end_ms:
                        break
                    hour = (ts - ms_start) // 3_600_000
                    cut = ms_start + (hour + 1) * 3_600_000
                    push = buckets.setdefault(hour, []).append
                page = "Home" if k == 0 or rnd() < 0.5 else ("About" if rnd() < 0.6 else "Help")
                push((ts, _LOGGED_OUT, (item, b"free", _MID[page], sid, _STATUS[page], ts)))
                pages[page] += 1
                item += 1
                ts += (5 + int(rnd() * 90)) * 1000
            self.result.logged_out_events += item
            return item

        u, rank = picked
        users = self.users
        profile = users.templates.get(u)
        if profile is None:
            profile = users.profile(u, rank)
            if len(users.templates) < _TEMPLATES_KEPT:
                users.templates[u] = profile
        free_t, paid_t, first_level = profile
        level = users.level[u] or first_level
        template = paid_t if level == 2 else free_t
        songs = self.songs
        match_rate = self.config.match_rate
        cat_q, cat_base, cat_last = self.cat_q, self.cat_base, songs.catalog - 1
        out_q, out_base = self.out_q, self.out_base
        catalog_play, catalog_frags, outside_frags = (songs.catalog_play, songs.catalog_frags,
                                                      songs.outside_frags)
        cat_kept = len(catalog_frags) - 1
        browse = _BROWSE_TABLE[level]
        getrandbits = rng.getrandbits
        mid_song = _MID["NextSong"]
        matched = others = changes = 0

        prefix = 0  # logged-out pages before Login
        if planned >= 3 and rnd() < _LOGIN_SHARE:
            prefix = 3 if planned >= 5 and rnd() < 0.3 else 2
        logout = planned - prefix >= 3 and rnd() < _LOGOUT_SHARE
        browse_end = planned - 2 if logout else planned  # where Logout goes, when it does

        for k in range(prefix):  # logged out: Home, perhaps About or Help, then Login
            if ts >= cut:
                if ts >= end_ms:
                    break
                hour = (ts - ms_start) // 3_600_000
                cut = ms_start + (hour + 1) * 3_600_000
                push = buckets.setdefault(hour, []).append
            page = "Login" if k == prefix - 1 else ("Home" if k == 0 else
                                                    ("About" if rnd() < 0.5 else "Help"))
            push((ts, _LOGGED_OUT, (item, _LEVEL_NAME[level], _MID[page], sid, _STATUS[page],
                                     ts)))
            pages[page] += 1
            item += 1
            ts += (3 + int(rnd() * 60)) * 1000
        logged_out = item

        # logged in: the first page is Home after a login (and often otherwise)
        follow = "Home" if prefix or rnd() < 0.45 else None
        for k in range(prefix, browse_end):
            if ts >= cut:
                if ts >= end_ms:
                    break
                hour = (ts - ms_start) // 3_600_000
                cut = ms_start + (hour + 1) * 3_600_000
                push = buckets.setdefault(hour, []).append
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
            push((ts, template, (b"null", item, b"null", _MID[page], sid, b"null",
                                  _STATUS[page], ts)))
            pages[page] += 1
            others += 1
            item += 1
            gap = 5 + (bits & 63) * 2
            nxt = _FOLLOW.get(page)
            if nxt is not None:
                if k + 1 < browse_end and rnd() < nxt[1]:
                    follow = nxt[0]
                    gap = 1 + (bits & 3)
            elif page == "Submit Upgrade" or page == "Submit Downgrade":
                level = 2 if page == "Submit Upgrade" else 1
                template = paid_t if level == 2 else free_t
                browse = _BROWSE_TABLE[level]
                changes += 1
            ts += gap * 1000
        plays = item - logged_out - others

        if logout and ts < end_ms:  # Logout, then the Home page a logged-out user sees
            if ts >= cut:
                hour = (ts - ms_start) // 3_600_000
                cut = ms_start + (hour + 1) * 3_600_000
                push = buckets.setdefault(hour, []).append
            push((ts, template, (b"null", item, b"null", _MID["Logout"], sid, b"null", 307, ts)))
            pages["Logout"] += 1
            item += 1
            ts += (20 + int(rnd() * 200)) * 1000
            if ts < end_ms:
                if ts >= cut:
                    hour = (ts - ms_start) // 3_600_000
                    push = buckets.setdefault(hour, []).append
                push((ts, _LOGGED_OUT, (item, _LEVEL_NAME[level], _MID["Home"], sid, 200, ts)))
                pages["Home"] += 1
                logged_out += 1
                item += 1
                ts += 5000

        users.level[u] = level
        users.busy_until[u] = ts + (_SESSION_GAP_S + int(rnd() * 3 * 3600)) * 1000
        result = self.result
        result.logged_out_events += logged_out
        result.matched_plays += matched
        result.song_plays += plays
        result.level_changes += changes
        return item

    def run(self, writer: _DayWriter, progress: Callable[[int, int], None] | None) -> None:
        """Hour by hour: start this hour's share of the remaining budget, write the hour."""
        config = self.config
        rnd = self.rng.random
        weights = []
        for day in range(config.days):
            factor = _WEEKDAY[(config.start_date + timedelta(days=day)).weekday()]
            weights.extend(w * factor for w in _HOURLY)
        remaining_weight = [0.0] * (len(weights) + 1)
        for h in range(len(weights) - 1, -1, -1):
            remaining_weight[h] = remaining_weight[h + 1] + weights[h]

        budget = config.events
        last_hour = len(weights) - 1
        for hour, weight in enumerate(weights):
            hour_start = self.start_ms + hour * 3_600_000
            if budget > 0:
                want = budget * weight / remaining_weight[hour] / _MEAN_SESSION
                count = int(want) + (rnd() < want - int(want))
                starts = sorted(hour_start + int(rnd() * 3600) * 1000 + self.ms for _ in range(count))
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


class _DayWriter:
    """One file per UTC day, written as the hours come; no newline after its last line."""

    def __init__(self, out: Path, result: GenerateResult) -> None:
        self.out = out
        self.result = result
        self.day: date | None = None
        self.handle = None
        self.events = 0

    def write_hour(self, hour_start_ms: int, events: list[tuple[int, bytes, tuple]]) -> None:
        """Format and append one hour's (ts, template, values), a few thousand lines at a time."""
        day = datetime.fromtimestamp(hour_start_ms // 1000, UTC).date()
        if day != self.day:
            self.close()
            folder = self.out / "log_data" / f"{day:%Y}" / f"{day:%m}"
            folder.mkdir(parents=True, exist_ok=True)
            self.handle = open(folder / f"{day:%Y-%m-%d}-events.json", "wb")  # noqa: SIM115
            self.day = day
            self.result.log_files += 1
            separator = b""
        else:
            separator = b"\n"
        for first in range(0, len(events), _WRITE_CHUNK):
            data = separator + b"\n".join([template % values for _, template, values
                                           in events[first:first + _WRITE_CHUNK]])
            self.handle.write(data)
            self.result.bytes_written += len(data)
            separator = b"\n"
        self.events += len(events)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        self.result.events = self.events


def _write_catalog(out: Path, songs: _Songs, result: GenerateResult) -> None:
    """One song per file, as the Million Song Dataset subset ships them."""
    made: set[Path] = set()
    for i in range(songs.catalog):
        relative, record = songs.song_record(i)
        path = out / relative
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        data = json.dumps(record).encode("ascii")
        # os.open/write/close: the fewest system calls per file, which is what small files cost
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        result.bytes_written += len(data)
    result.song_files = songs.catalog
    result.songs = songs.catalog
    result.artists = songs.catalog_artists


def generate(out: Path, config: GenerateConfig, force: bool = False,
             progress: Callable[[int, int], None] | None = None) -> GenerateResult:
    """Write a data root (song_data/ and log_data/) under `out`; same config, same bytes.

    `progress(days_done, events_written)` is called after each simulated day.
    """
    config.validate()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SparkifyError(f"{out} exists and is not a folder; choose another OUT")
    existing = [out / sub for sub in ("song_data", "log_data") if (out / sub).exists()]
    if existing and not force:
        raise SparkifyError(f"{out} already holds {existing[0].name}/; pass --force to replace "
                            "song_data/ and log_data/ there, or choose an empty folder")
    started = time.perf_counter()
    try:
        for folder in existing:
            shutil.rmtree(folder)
        out.mkdir(parents=True, exist_ok=True)
        result = GenerateResult(out=str(out.resolve()), config=asdict(config))
        simulation = _Simulation(config, result)
        catalog_started = time.perf_counter()
        _write_catalog(out, simulation.songs, result)
        result.song_seconds = time.perf_counter() - catalog_started
        simulation.run(_DayWriter(out, result), progress)
    except OSError as exc:
        raise SparkifyError(f"cannot write under {out}: {exc.strerror or exc}") from exc
    result.pages = {page: n for page, n in simulation.pages.items() if n}
    result.seconds = time.perf_counter() - started
    return result
