"""What to generate (`GenerateConfig`) and what was written (`GenerateResult`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from sparkify.errors import OptionError

# The real sample: 8,056 events by 97 users over 30 days, 71 songs. `scale` K multiplies it.
SAMPLE_EVENTS, SAMPLE_SONGS, SAMPLE_USERS, SAMPLE_DAYS = 8_056, 71, 97, 30
DEMO_EVENTS, DEMO_DAYS = 30_000, 30
DEFAULT_START = date(2018, 11, 1)
DEFAULT_SEED = 42
DEFAULT_MATCH_RATE = 0.2
MAX_EVENTS = 2_000_000_000


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

        `scale` K multiplies all three; `demo` is a month of 30,000 events; with only `days`,
        the sample's daily volume per user; with only `events`, users and songs grow with it.
        Explicit values always win.
        """
        if demo and scale is not None:
            raise OptionError("{demo} and {scale} are two presets; choose one", "demo", "scale")
        if scale is not None and not (math.isfinite(scale) and scale > 0):
            raise OptionError(f"{{scale}} must be a positive number, not {scale}", "scale")
        factor = scale if scale is not None else 1.0
        if demo:
            events = events if events is not None else DEMO_EVENTS
            days = days if days is not None else DEMO_DAYS
        elif scale is not None and events is None:
            events = round(SAMPLE_EVENTS * factor)
        days = days if days is not None else SAMPLE_DAYS
        if days < 1:
            raise OptionError(f"{{days}} must be at least 1, not {days}", "days")
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
            raise OptionError(f"{{events}} must be between 1 and {MAX_EVENTS:,}, "
                              f"not {self.events}", "events")
        if self.users < 1:
            raise OptionError(f"{{users}} must be at least 1, not {self.users}", "users")
        if self.songs < 1:
            raise OptionError(f"{{songs}} must be at least 1, not {self.songs}", "songs")
        if not 1 <= self.days <= 36_600:
            raise OptionError(f"{{days}} must be between 1 and 36,600, not {self.days}", "days")
        if not (0.0 <= self.match_rate <= 1.0):
            raise OptionError(f"{{match_rate}} must be between 0 and 1, not {self.match_rate}",
                              "match_rate")
        if not date(1971, 1, 1) <= self.start_date <= date(2099, 1, 1):
            raise OptionError(f"{{start_date}} must be between 1971 and 2099, "
                              f"not {self.start_date}", "start_date")
        if self.start_date + timedelta(days=self.days) > date(2099, 12, 31):
            raise OptionError("{start_date} plus {days} runs past 2099; use fewer days",
                              "start_date", "days")


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


