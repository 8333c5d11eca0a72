"""Songs and artists: names, titles and lengths rendered once, and the catalog as functions.

Nothing is stored per song: every attribute is a pure function of (seed, index), so a catalog
of a million songs costs no memory.
"""

from __future__ import annotations

import functools
import math

from sparkify.generate.ids import LETTERS, M64, b36, js, letters, mix, mojibake, unique36
from sparkify.generate.words import (
    ACCENTED,
    ADJ,
    ADV,
    BAND_WORDS,
    FIRST_F,
    FIRST_M,
    LAST,
    NOUN,
    OBJ,
    PLACES,
    PLACES_NO_COORDS,
    VERB,
)

_LISTS = {
    "first": FIRST_F + FIRST_M, "last": LAST, "adj": ADJ, "noun": NOUN, "band": BAND_WORDS,
    "accented": ACCENTED, "verb": VERB, "obj": OBJ, "adv": ADV,
}
# per list: the words' JSON-escaped bytes (no quotes), and those of their mis-encoded form
_ESCAPED = {name: (tuple(js(w)[1:-1] for w in words), tuple(js(mojibake(w))[1:-1] for w in words))
            for name, words in _LISTS.items()}
# A form is a sequence of word-list names and literal text; artist forms by h % 10.
Form = tuple[str, ...]
_ARTIST_FORMS: tuple[Form, ...] = (
    ("first", " ", "last"), ("first", " ", "last"), ("first", " ", "last"),
    ("The ", "adj", " ", "band"), ("The ", "adj", " ", "band"),
    ("noun", " ", "band"), ("noun", " ", "band"),
    ("accented", " ", "last"), ("adj", " ", "noun"), ("noun", " & The ", "band"),
)
_TITLE_FORMS: tuple[Form, ...] = (
    ("adj", " ", "noun"), ("verb", " ", "obj", " ", "adv"), ("noun",), ("The ", "adj", " ", "noun"),
    ("noun", " of the ", "noun"), ("verb", " ", "obj"), ("adj", " ", "noun", " (", "adv", ")"),
    ("noun", " ", "adv"),
)
_LITERAL = {text: js(text)[1:-1] for forms in (_ARTIST_FORMS, _TITLE_FORMS)
            for form in forms for text in form if text not in _LISTS}


def _choices(form: Form, h: int, half: int | None) -> list[tuple[str, int]]:
    """Each token of a form with the index of the word the hash bits pick (-1: literal text).

    With `half` 0 or 1 only the even or odd entries of each list are used, so names drawn
    with different halves never coincide.
    """
    picked = []
    for token in form:
        words = _LISTS.get(token)
        if words is None:
            picked.append((token, -1))
            continue
        n = len(words)
        if half is None:
            h, d = divmod(h, n)
        else:
            h, d = divmod(h, (n - half + 1) // 2)
            d = 2 * d + half
        picked.append((token, d))
    return picked


def _text(form: Form, h: int, half: int | None) -> str:
    """A form filled from hash bits, as text."""
    return "".join(token if d < 0 else _LISTS[token][d] for token, d in _choices(form, h, half))


def _json(form: Form, h: int, half: int | None, misencoded: bool = False) -> bytes:
    """The same as a quoted JSON string the way the logs escape it; mis-encoded if asked."""
    which = 1 if misencoded else 0
    return b'"' + b"".join(_LITERAL[token] if d < 0 else _ESCAPED[token][which][d]
                           for token, d in _choices(form, h, half)) + b'"'


def _duration_table() -> tuple[int, ...]:
    """4,096 song lengths in 1e-5 s, lognormal around four minutes (quantiles, not draws)."""
    from statistics import NormalDist

    normal = NormalDist()
    table = []
    for k in range(4096):
        seconds = math.exp(5.42 + 0.38 * normal.inv_cdf((k + 0.5) / 4096))
        table.append(int(min(1800.0, max(20.0, seconds)) * 1000) * 100)
    return tuple(table)


_ARTIST_NAMES, _TITLES, _LENGTHS = 4096, 8192, 16384  # table sizes, powers of two
_OUTSIDE_MAX = 65_536
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
        h = mix(k * 2 + 1)
        form = _ARTIST_FORMS[h % 10]
        catalog_artists.append((_text(form, h >> 4, 0), _json(form, h >> 4, 0)))
        h = mix(k * 2 + 2)
        outside_artists.append(_json(_ARTIST_FORMS[h % 10], h >> 4, 1, misencoded=True))
    titles = []
    for k in range(_TITLES):
        h = mix(k + 0x7177)
        form = _TITLE_FORMS[h & 7]
        titles.append((_text(form, h >> 3, None), _json(form, h >> 3, None),
                       _json(form, h >> 3, None, misencoded=True)))
    durations = _duration_table()
    lengths = []
    for k in range(_LENGTHS):
        h = mix(k + 0x1E46)
        length = (durations[h & 4095] + (h >> 12) % 100_000) / 100_000
        lengths.append((length, repr(length).encode(), (int(length) + 1) * 1000))
    return tuple(catalog_artists), tuple(outside_artists), tuple(titles), tuple(lengths)


# -- the catalog and the songs outside it -----------------------------------------------------


class Songs:
    """Songs and artists as functions of their index: nothing is stored per song.

    The catalog (written to song_data) and the wider world of songs that users play but the
    catalog lacks take artist names from disjoint halves of the word lists, and the outside
    ones are mis-encoded like the real logs' non-ASCII names, so a play of an outside song can
    never match a catalog song by chance: the matched share is the share of plays that chose
    the catalog.
    """

    def __init__(self, seed: int, catalog: int) -> None:
        self.key = mix(seed * 0x2545F4914F6CDD1D + 17)
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
        h = ((i ^ self.key) * 0x9E3779B97F4A7C15) & M64
        return h ^ (h >> 29)

    def _artist_hash(self, a: int) -> int:
        h = ((a ^ self.key) * 0xD6E8FEB86659FD93 + 0x51) & M64
        return h ^ (h >> 31)

    def artist_of(self, i: int) -> int:
        # neighbouring songs share an artist now and then; popular songs, popular artists
        return i * self.catalog_artists // self.catalog

    def artist_record(self, a: int) -> tuple[str, str, str, float | None, float | None]:
        name = self.cat_names[(self._artist_hash(a) >> 20) & (_ARTIST_NAMES - 1)][0]
        h = mix(self.key ^ (a * 0x100000001B3 + 0x51))
        artist_id = ("AR" + unique36(a, self.key & 0xFFFF) + letters(h >> 40, 4)
                     + b36(h >> 24, 4))
        kind = (h >> 4) % 3
        if kind == 0:
            place, lat, lon = PLACES[(h >> 8) % len(PLACES)]
        elif kind == 1:
            place, lat, lon = PLACES_NO_COORDS[(h >> 8) % len(PLACES_NO_COORDS)], None, None
        else:
            place, lat, lon = "", None, None
        return artist_id, name, place, lat, lon

    def song_record(self, i: int) -> tuple[str, dict]:
        """(relative path, object) of catalog song i, fields in the real files' order."""
        hs = self._song_hash(i)
        artist_id, name, place, lat, lon = self.artist_record(self.artist_of(i))
        h = mix(self.key ^ (i * 0xD6E8FEB86659FD93 + 3))
        c1, c2 = LETTERS[(h >> 44) % self.fan], LETTERS[(h >> 49) % self.fan]
        track = f"TRA{c1}{c2}{unique36(i, self.key >> 20 & 0xFFFF)}128F{letters(h >> 54, 1)}"
        song_id = "SO" + letters(h >> 34, 5) + "12A" + unique36(i, self.key >> 40 & 0xFFFF)
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
        h = ((j ^ self.key) * 0x94D049BB133111EB) & M64
        h ^= h >> 29
        length = self.lengths[(h >> 21) & (_LENGTHS - 1)]
        a = ((j // 3) * 0xBF58476D1CE4E5B9 + self.key) & M64
        return (self.out_names[(a >> 40) & (_ARTIST_NAMES - 1)], length[1],
                self.titles[(h >> 8) & (_TITLES - 1)][2], length[2])


