"""Names as people wrote them: the one rule that repairs mis-encoded text for readers.

The event logs carry some names as UTF-8 bytes read as Latin-1, twice (`BjÃ\x83Â¶rk` for
Björk). The warehouse and the lake keep the text as received; beside it, each engine keeps the
repaired form of every distinct value of the columns below (PostgreSQL: `sparkify.names`, the
lake: `names/`), and what people read (views, report, recommendations, the lake's tables)
shows that form. Song matching compares repaired forms too.

The repair is ftfy's encoding fix alone: no quote uncurling, no Unicode normalisation, no
HTML unescaping, so a correct name (`São Paulo`, `Motörhead`, `ÃGUA`) stays byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable

import ftfy

# Only the steps that undo a wrong decoding; every other fix ftfy offers changes correct text.
_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
    fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
    fix_surrogates=False, remove_control_chars=False, normalization=None, explain=False,
)

# The text columns whose values are names people read, per source and per warehouse table.
# Their distinct non-ASCII values (ASCII text cannot be mis-encoded) are what gets repaired.
EVENT_FIELDS = ("song", "artist", "first_name", "last_name", "location")
SONG_FIELDS = ("title", "artist_name", "artist_location")
# The same lists by the records each engine's SQL reads them from (staging.events, parsed_songs
# …): `{{name_candidates(events, relation)}}` in a .sql file writes them out (core/sqltext.py).
RECORD_FIELDS = {"events": EVENT_FIELDS, "songs": SONG_FIELDS}
SHOWN = {
    "songplays": ("song_title", "artist_name", "location"),
    "users": ("first_name", "last_name", "location"),
    "songs": ("title",),
    "artists": ("name", "location"),
    "events": EVENT_FIELDS,
    "user_song_plays": ("song_title", "artist_name"),
}


def repair(text: str) -> str:
    """`text` with a mis-encoding undone; correct text (all ASCII, for one) comes back as is."""
    if text.isascii():
        return text
    return ftfy.fix_encoding(text, _CONFIG)


def repair_all(values: Iterable[str]) -> list[tuple[str, str]]:
    """(verbatim, repaired) of each value: the rows of the names table."""
    return [(value, repair(value)) for value in values]
