"""What a load or a lake build did: the same counts from either engine, for the same output."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LoadResult:
    data_root: str
    files_loaded: int = 0
    files_skipped: int = 0
    songs: dict[str, int] = field(default_factory=lambda: {"read": 0, "loaded": 0, "rejected": 0})
    events: dict[str, int] = field(
        default_factory=lambda: {"read": 0, "song_plays": 0, "other_pages": 0, "rejected": 0})
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return self.songs["rejected"] + self.events["rejected"]

    def to_dict(self) -> dict:
        return {"tables": self.tables, "songs": self.songs, "events": self.events,
                "files": {"loaded": self.files_loaded, "skipped": self.files_skipped},
                "data_root": self.data_root, "seconds": round(self.seconds, 3)}
