"""The report as rich tables in the terminal, one block per question, with text bars."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sparkify.report.data import QUESTIONS
from sparkify.report.svg import fmt, when

BAR_WIDTH = 24


def _bar(value: float, peak: float) -> Text:
    cells = round(BAR_WIDTH * value / peak) if peak else 0
    return Text("█" * cells, style="cyan")


def _table(title: str, columns: list[str], rows: list[list[Any]],
           bar_of: int | None = None) -> Table:
    """Numbers right-aligned; with bar_of, a bar column scaled on that column's values."""
    table = Table(title=title, title_justify="left", title_style="bold")
    numeric = {i for i in range(len(columns))
               if rows and all(isinstance(r[i], (int, float)) for r in rows)}
    for i, column in enumerate(columns):
        table.add_column(column, justify="right" if i in numeric else "left")
    if bar_of is not None:
        table.add_column("")
    peak = max((r[bar_of] for r in rows), default=0) if bar_of is not None else 0
    for r in rows:
        # Text(), not str: a title like "[/bold]" is data, not rich markup
        cells: list = [Text(fmt(v) if isinstance(v, (int, float)) else "" if v is None else str(v))
                       for v in r]
        if bar_of is not None:
            cells.append(_bar(r[bar_of], peak))
        table.add_row(*cells)
    return table


def _heading(console: Console, number: int) -> None:
    console.print()
    console.rule(f"[bold]{number}. {QUESTIONS[number]}", align="left")


def render(data: dict, console: Console) -> None:
    """Print every question's answer."""
    for number, answer in enumerate(_ANSWERS, start=1):
        _heading(console, number)
        answer(data, console)
    console.print()
    for note in data["notes"]:
        console.print(f"[yellow]{note}")


def _popularity(data: dict, console: Console) -> None:
    console.print(_table("Top songs", ["song", "artist", "plays"],
                         [[s["song"], s["artist"], s["plays"]] for s in data["top_songs"]], 2))
    console.print(_table("Top artists", ["artist", "plays"],
                         [[a["artist"], a["plays"]] for a in data["top_artists"]], 1))
    catalog = data["catalog"]
    console.print(f"catalog match rate: {data['match_rate'] * 100:.2f} % "
                  f"({fmt(catalog['matched_plays'])} of {fmt(catalog['plays'])} plays match "
                  "a song in song_data; popularity above counts every play)")


def _activity(data: dict, console: Console) -> None:
    console.print(_table("Plays by hour of day (UTC)", ["hour", "plays", "events"],
                         [[f"{p['hour']:02d}", p["plays"], e["events"]] for p, e in
                          zip(data["plays_by_hour"], data["events_by_hour"], strict=False)],
                         1))
    console.print(_table("By weekday", ["weekday", "plays", "events"],
                         [[w["weekday_name"], w["plays"], w["events"]]
                          for w in data["activity_by_weekday"]], 1))


def _trends(data: dict, console: Console) -> None:
    trends = data["trends"]
    console.print(_table("Top states (plays)", ["state", "plays"],
                         [[s["state"], s["plays"]] for s in trends["top_states"]], 1))
    console.print(_table("Top metro areas", ["metro area", "state", "plays"],
                         [[m["metro_area"], m["state"], m["plays"]]
                          for m in trends["top_metro_areas"]], 2))
    for key, label in (("by_level", "level"), ("by_gender", "gender")):
        totals: dict[str, int] = {}
        for r in trends[key]:
            name = r[label] or "unknown"
            totals[name] = totals.get(name, 0) + r["plays"]
        console.print(_table(f"Plays by {label} (daily series in --html / --json)",
                             [label, "plays"], [[k, v] for k, v in sorted(totals.items())], 1))


def _engagement(data: dict, console: Console) -> None:
    sessions, engagement = data["sessions"], data["engagement"]
    ppu = engagement["plays_per_user"]
    console.print(f"sessions: {fmt(sessions['count'])} by {fmt(sessions['users'])} users "
                  f"({sessions['per_user']:.1f} per user); mean length "
                  f"{sessions['avg_length_seconds'] / 60:.1f} min; "
                  f"{sessions['avg_songs']:.1f} songs per session")
    console.print(f"plays per user: mean {ppu['mean']:.1f}, median {fmt(ppu['median'])}, "
                  f"max {fmt(ppu['max'])} over {fmt(ppu['users'])} users")
    console.print(_table("Users by plays per user", ["plays", "users"],
                         [[f"{b['low']}–{b['high']}", b["users"]] for b in ppu["distribution"]],
                         1))
    console.print(_table("Weekly active users", ["week starting", "users"],
                         [[w["week_start"], w["users"]]
                          for w in engagement["weekly_active_users"]], 1))


def _preferences(data: dict, console: Console) -> None:
    prefs = data["preferences"]
    console.print(_table("Most active users' favourites",
                         ["user", "plays", "top artist", "top song"],
                         [[str(u["user_id"]), u["plays"], u["top_artist"],
                           f"{u['top_song']} — {u['top_song_artist']}"]
                          for u in prefs["most_active_users"]]))
    console.print(_table("Users whose most played artist it is", ["artist", "users"],
                         [[a["artist"], a["users"]] for a in prefs["favourite_artists"]], 1))
    console.print("one user's lists: sparkify report --user ID")


def _demographics(data: dict, console: Console) -> None:
    demo = data["demographics"]
    for key, label in (("by_gender", "gender"), ("by_level", "level")):
        console.print(_table(f"Users by {label}", [label, "users", "plays"],
                             [[g[label] or "unknown", g["users"], g["plays"]]
                              for g in demo[key]], 1))
    console.print(_table("Users by state (top 10)", ["state", "users", "plays"],
                         [[s["state"] or "unknown", s["users"], s["plays"]]
                          for s in demo["by_state"][:10]], 1))


def _conversion(data: dict, console: Console) -> None:
    conv = data["conversion"]
    console.print(f"{conv['upgrades']} upgrades (free → paid) and {conv['downgrades']} "
                  f"downgrades (paid → free) by {conv['users_changed']} users")
    console.print(_table("Level changes per day", ["day", "upgrades", "downgrades"],
                         [[d["day"], d["upgrades"], d["downgrades"]] for d in conv["by_day"]]))


def _recommendations(data: dict, console: Console) -> None:
    recs = data["recommendations"]
    render_recommendations(recs["items"], console,
                           f"For the most active user ({recs['user_id']}); "
                           "any user: sparkify recommend USER_ID")


def _platform(data: dict, console: Console) -> None:
    plat = data["platform"]
    console.print(f"requests: {fmt(plat['requests'])}; error rate "
                  f"{plat['error_rate'] * 100:.2f} %; logged-out share "
                  f"{plat['logged_out_share'] * 100:.2f} %")
    console.print(_table("HTTP status mix", ["status", "requests"],
                         [[str(s["status"]), s["requests"]] for s in plat["status_mix"]], 1))
    console.print(_table("By page", ["page", "requests", "errors", "logged out %"],
                         [[p["page"], p["requests"], p["errors"],
                           round(p["logged_out_share"] * 100, 1)] for p in plat["by_page"]], 1))


# one per question, in QUESTIONS' order
_ANSWERS: tuple[Callable[[dict, Console], None], ...] = (
    _popularity, _activity, _trends, _engagement, _preferences, _demographics, _conversion,
    _recommendations, _platform)


def render_recommendations(items: list[dict], console: Console, title: str) -> None:
    console.print(_table(title, ["song", "artist", "score", "why"],
                         [[r["song"], r["artist"], r["score"], r["reason"]] for r in items]))


def render_user(data: dict, console: Console) -> None:
    user = data["user"]
    name = " ".join(filter(None, [user.get("first_name"), user.get("last_name")]))
    console.rule(f"[bold]User {user['user_id']}: {escape(name)}", align="left")
    console.print(escape(f"level {user['level']} · {user.get('gender') or 'gender unknown'} · "
                         f"{user.get('location') or 'location unknown'} · last seen "
                         f"{when(user['last_seen_at'])}"))
    s = user["sessions"]
    console.print(f"{fmt(user['plays'])} plays of {fmt(user['songs'])} songs in "
                  f"{fmt(s['count'])} sessions (mean {s['avg_length_seconds'] / 60:.1f} min, "
                  f"{s['avg_songs']:.1f} songs)")
    console.print(_table("Top songs", ["song", "artist", "plays"],
                         [[t["song"], t["artist"], t["plays"]] for t in user["top_songs"]], 2))
    console.print(_table("Top artists", ["artist", "plays"],
                         [[a["artist"], a["plays"]] for a in user["top_artists"]], 1))
    if user["level_changes"]:
        console.print(_table("Level changes", ["when (UTC)", "from", "to"],
                             [[when(c["changed_at"]), c["from_level"], c["to_level"]]
                              for c in user["level_changes"]]))
    render_recommendations(user["recommendations"], console, "Recommended (never played)")
    for note in data["notes"]:
        console.print(f"[yellow]{note}")
