"""The report as one self-contained HTML file: inline CSS and SVG, no script, no network.

One <section data-question="N"> per question of the analytics team, each holding exactly one
<figure class="chart"> (one or more SVG panels) and the tables behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from importlib import resources
from string import Template

from sparkify.report import svg
from sparkify.report.data import QUESTIONS
from sparkify.report.svg import fmt, when


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _pct(value: float) -> str:
    return f"{value * 100:.2f} %"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def table(caption: str, header: list[str], body: list[list[object]],
          numeric: set[int] | None = None) -> str:
    """A plain table; columns listed in `numeric` are right-aligned and number-formatted."""
    numeric = numeric or set()
    head = "".join(f'<th{" class=n" if i in numeric else ""}>{_e(h)}</th>'
                   for i, h in enumerate(header))
    lines = []
    for row in body:
        cells = "".join(
            f'<td class="n">{_e(fmt(v) if isinstance(v, (int, float)) else v)}</td>'
            if i in numeric else f"<td>{_e('' if v is None else v)}</td>"
            for i, v in enumerate(row))
        lines.append(f"<tr>{cells}</tr>")
    return (f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(lines)}</tbody></table>")


def kpis(items: list[tuple[str, str]]) -> str:
    return '<ul class="kpis">' + "".join(
        f"<li><b>{_e(value)}</b>{_e(label)}</li>" for label, value in items) + "</ul>"


def section(number: int, title: str, lead: str, panels: list[str], caption: str,
            tables: list[str], extra: str = "") -> str:
    return (f'<section id="q{number}" data-question="{number}"><h2>{number}. {_e(title)}</h2>'
            f'<p class="lead">{lead}</p>{extra}'
            f'<figure class="chart" data-question="{number}">'
            f'<div class="panels">{"".join(panels)}</div>'
            f"<figcaption>{_e(caption)}</figcaption></figure>"
            f'<div class="tables">{"".join(tables)}</div></section>')


def page(title: str, meta: str, body: str) -> str:
    template = Template(resources.files("sparkify.report").joinpath("page.html")
                        .read_text(encoding="utf-8"))
    return template.substitute(title=_e(title), meta=_e(meta), body=body)


def _series(rows: list[dict], key: str, group: str, value: str,
            labels: list[str]) -> dict[str, list[float]]:
    """Long rows (day, group, value) -> one list per group aligned on labels, zeros filled."""
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        out.setdefault(str(r[group] if r[group] is not None else "unknown"), {})[r[key]] = r[value]
    return {name: [points.get(label, 0) for label in labels]
            for name, points in sorted(out.items())}


def render(data: dict) -> str:
    """The whole report as an HTML document."""
    nav = "<nav><ol>" + "".join(f'<li><a href="#q{n}">{_e(t)}</a></li>'
                                for n, t in QUESTIONS.items()) + "</ol></nav>"
    sections = [nav, f'<p class="note">{_e(data["notes"][0])}</p>']
    sections.extend(answer(data) for answer in _ANSWERS)
    meta = f"database {data['database']} · generated {data['generated_at']} · all times UTC"
    return page("Sparkify analytics", meta, "".join(sections))


def _days(data: dict) -> tuple[list[str], list[str]]:
    """The days of the loaded period, and the same as MM-DD for chart labels."""
    days = [d["day"] for d in data["activity_by_day"]]
    return days, [d[5:] for d in days]


def _popularity(data: dict) -> str:
    return section(
        1, QUESTIONS[1],
        "Plays counted by the song title and artist name each event carried, so the answer "
        "does not depend on the song catalog.",
        [svg.hbar([(f"{s['song']} — {s['artist']}", s["plays"]) for s in data["top_songs"]],
                  "Top songs by plays"),
         svg.hbar([(a["artist"], a["plays"]) for a in data["top_artists"]],
                  "Top artists by plays")],
        f"Catalog match rate: {_pct(data['match_rate'])} of "
        f"{fmt(data['catalog']['plays'])} plays match a song in song_data.",
        [table("Top songs", ["#", "song", "artist", "plays", "listeners"],
               [[i + 1, s["song"], s["artist"], s["plays"], s["listeners"]]
                for i, s in enumerate(data["top_songs"])], {0, 3, 4}),
         table("Top artists", ["#", "artist", "plays"],
               [[i + 1, a["artist"], a["plays"]]
                for i, a in enumerate(data["top_artists"])], {0, 2})],
        kpis([("catalog match rate", _pct(data["match_rate"])),
              ("matched plays", fmt(data["catalog"]["matched_plays"])),
              ("plays", fmt(data["catalog"]["plays"]))]))


def _activity(data: dict) -> str:
    _, short = _days(data)
    hours = [f"{h['hour']:02d}" for h in data["plays_by_hour"]]
    return section(
        2, QUESTIONS[2], "All times are UTC.",
        [svg.columns(hours, {"song plays": [h["plays"] for h in data["plays_by_hour"]],
                             "events": [h["events"] for h in data["events_by_hour"]]},
                     "Plays and events by hour of day (UTC)"),
         svg.lines(short, {"song plays": [d["plays"] for d in data["activity_by_day"]],
                           "events": [d["events"] for d in data["activity_by_day"]]},
                   "Plays and events per day")],
        "Left: by hour of day; right: per calendar day.",
        [table("By weekday", ["weekday", "plays", "events"],
               [[w["weekday_name"], w["plays"], w["events"]]
                for w in data["activity_by_weekday"]], {1, 2}),
         table("By hour (UTC)", ["hour", "plays", "events"],
               [[h, p["plays"], e["events"]] for h, p, e in
                zip(hours, data["plays_by_hour"], data["events_by_hour"], strict=False)],
               {1, 2})])


def _trends(data: dict) -> str:
    days, short = _days(data)
    trends = data["trends"]
    return section(
        3, QUESTIONS[3], "Plays per day, split three ways. Location is where the user was "
        "when playing; level is the level at play time.",
        [svg.lines(short, _series(trends["by_level"], "day", "level", "plays", days),
                   "Plays per day by level"),
         svg.lines(short, _series(trends["by_gender"], "day", "gender", "plays", days),
                   "Plays per day by gender"),
         svg.lines(short, _series(trends["by_state"], "day", "state", "plays", days),
                   "Plays per day by state (top states)")],
        "States beyond the top ones are summed as 'other'.",
        [table("Top metro areas", ["metro area", "state", "plays"],
               [[m["metro_area"], m["state"], m["plays"]] for m in trends["top_metro_areas"]],
               {2}),
         table("Top states", ["state", "plays"],
               [[s["state"], s["plays"]] for s in trends["top_states"]], {1})])


def _engagement(data: dict) -> str:
    engagement, sessions = data["engagement"], data["sessions"]
    dist = engagement["plays_per_user"]["distribution"]
    dau = engagement["daily_active_users"]
    return section(
        4, QUESTIONS[4], "A session is a (sessionId, userId) pair over logged-in events; its "
        "length is the last event's time minus the first's.",
        [svg.lines([d["day"][5:] for d in dau], {"users": [d["users"] for d in dau]},
                   "Daily active users"),
         svg.columns([str(b["low"]) for b in dist], {"users": [b["users"] for b in dist]},
                     "Users by plays per user")],
        "Right: how many users played that many songs in the period, in doubling buckets "
        "(the bar at 4 counts users with 4 to 7 plays).",
        [table("Weekly active users", ["week starting", "users"],
               [[w["week_start"], w["users"]] for w in engagement["weekly_active_users"]], {1}),
         table("Plays per user", ["figure", "value"],
               [[k, engagement["plays_per_user"][k]] for k in ("users", "mean", "median", "max")],
               {1})],
        kpis([("sessions", fmt(sessions["count"])),
              ("sessions per user", fmt(sessions["per_user"])),
              ("mean session length", _duration(sessions["avg_length_seconds"])),
              ("songs per session", fmt(sessions["avg_songs"]))]))


def _preferences(data: dict) -> str:
    prefs = data["preferences"]
    return section(
        5, QUESTIONS[5], "Each user's most played artist and song; <code>sparkify report "
        "--user ID</code> shows one user's full lists.",
        [svg.hbar([(a["artist"], a["users"]) for a in prefs["favourite_artists"]],
                  "Users whose most played artist it is")],
        "Counted over users with at least one play.",
        [table("Most active users", ["user", "plays", "top artist", "top song"],
               [[u["user_id"], u["plays"], f"{u['top_artist']} ({u['top_artist_plays']})",
                 f"{u['top_song']} — {u['top_song_artist']} ({u['top_song_plays']})"]
                for u in prefs["most_active_users"]], {1})])


def _demographics(data: dict) -> str:
    demo = data["demographics"]
    return section(
        6, QUESTIONS[6], "Users counted at their latest event; plays by level are counted at "
        "the level the user had when playing.",
        [svg.hbar([(g["gender"] or "unknown", g["users"]) for g in demo["by_gender"]],
                  "Users by gender"),
         svg.hbar([(g["level"], g["users"]) for g in demo["by_level"]], "Users by level"),
         svg.hbar([(s["state"] or "unknown", s["users"]) for s in demo["by_state"][:10]],
                  "Users by state (top 10)")],
        "Bars: users; tables: users and their plays per group.",
        [table("By gender", ["gender", "users", "plays"],
               [[g["gender"] or "unknown", g["users"], g["plays"]] for g in demo["by_gender"]],
               {1, 2}),
         table("By level", ["level", "users", "plays"],
               [[g["level"], g["users"], g["plays"]] for g in demo["by_level"]], {1, 2}),
         table("By state", ["state", "users", "plays"],
               [[s["state"] or "unknown", s["users"], s["plays"]] for s in demo["by_state"]],
               {1, 2})])


def _conversion(data: dict) -> str:
    days, short = _days(data)
    conv = data["conversion"]
    by_day = {c["day"]: c for c in conv["by_day"]}
    return section(
        7, QUESTIONS[7], "A change is a user's level differing from their previous event's "
        "level: free → paid is an upgrade, paid → free a downgrade.",
        [svg.columns(short, {"upgrades": [by_day.get(d, {}).get("upgrades", 0) for d in days],
                             "downgrades": [by_day.get(d, {}).get("downgrades", 0)
                                            for d in days]},
                     "Upgrades and downgrades per day")],
        f"{conv['upgrades']} upgrades and {conv['downgrades']} downgrades by "
        f"{conv['users_changed']} users.",
        [table(f"Level changes (the first {min(20, len(conv['changes']))} of "
               f"{len(conv['changes']):,}; all in --json)", ["when (UTC)", "user", "from", "to"],
               [[when(c["changed_at"]), c["user_id"], c["from_level"], c["to_level"]]
                for c in conv["changes"][:20]])])


def _recommendations(data: dict) -> str:
    recs = data["recommendations"]
    return section(
        8, QUESTIONS[8], f"Worked example for the most active user ({_e(recs['user_id'])}): "
        "songs they never played, ranked by item-to-item co-listening. "
        "<code>sparkify recommend USER_ID</code> gives any user's.",
        [_recommendation_chart(recs["items"], f"Recommendations for user {recs['user_id']}")],
        "Score: for each song the user played, how many other users played it and the pick; "
        "summed.",
        [_recommendation_table(recs["items"])])


def _recommendation_chart(items: list[dict], title: str) -> str:
    return svg.hbar([(f"{r['song']} — {r['artist']}", r["score"]) for r in items], title,
                    width=1000, label_chars=50,
                    notes=[f"because of {r['because']}" if r["because"] else r["reason"]
                           for r in items])


def _recommendation_table(items: list[dict]) -> str:
    return table("Recommendations", ["#", "song", "artist", "score", "because", "basis"],
                 [[i + 1, r["song"], r["artist"], r["score"],
                   f"{r['because']} — {r['because_artist']}" if r["because"] else "",
                   r["basis"]] for i, r in enumerate(items)], {0, 3})


def _platform(data: dict) -> str:
    plat = data["platform"]
    per_hour = plat["requests_by_hour"]
    return section(
        9, QUESTIONS[9], "Every request (event) of the app, all pages. Genre is not in the "
        "source data, so no genre breakdown is shown.",
        [svg.lines([h["hour_start"][5:13].replace("T", " ") for h in per_hour],
                   {"requests": [h["requests"] for h in per_hour],
                    "errors": [h["errors"] for h in per_hour]},
                   "Requests per hour (UTC)", width=1000),
         svg.hbar([(str(s["status"]), s["requests"]) for s in plat["status_mix"]],
                  "HTTP status mix", notes=[_pct(s["share"]) for s in plat["status_mix"]])],
        f"Error rate {_pct(plat['error_rate'])}; logged-out share "
        f"{_pct(plat['logged_out_share'])}.",
        [table("By page", ["page", "requests", "200", "307", "404", "error rate",
                           "logged out"],
               [[p["page"], p["requests"], p["status_200"], p["status_307"], p["status_404"],
                 _pct(p["error_rate"]), _pct(p["logged_out_share"])]
                for p in plat["by_page"]], {1, 2, 3, 4, 5, 6})],
        kpis([("requests", fmt(plat["requests"])), ("error rate", _pct(plat["error_rate"])),
              ("logged-out share", _pct(plat["logged_out_share"]))]))


# one per question, in QUESTIONS' order
_ANSWERS: tuple[Callable[[dict], str], ...] = (
    _popularity, _activity, _trends, _engagement, _preferences, _demographics, _conversion,
    _recommendations, _platform)


def render_user(data: dict) -> str:
    """One user's report (report --user ID --html FILE)."""
    user = data["user"]
    recs = user["recommendations"]
    body = [f'<p class="note">{_e(data["notes"][0])}</p>', kpis([
        ("level", user["level"]), ("plays", fmt(user["plays"])),
        ("distinct songs", fmt(user["songs"])), ("sessions", fmt(user["sessions"]["count"])),
        ("mean session", _duration(user["sessions"]["avg_length_seconds"]))])]
    body.append(section(
        5, "Preferences", "This user's most played artists and songs.",
        [svg.hbar([(a["artist"], a["plays"]) for a in user["top_artists"]], "Top artists"),
         svg.hbar([(f"{s['song']} — {s['artist']}", s["plays"]) for s in user["top_songs"]],
                  "Top songs")],
        "Plays in the loaded period.",
        [table("Level changes", ["when (UTC)", "from", "to"],
               [[when(c["changed_at"]), c["from_level"], c["to_level"]]
                for c in user["level_changes"]])]))
    body.append(section(
        8, "Recommendations", "Songs this user never played.",
        [_recommendation_chart(recs, "Recommended songs")],
        "Co-listening score, or plays overall where the user has no usable history.",
        [_recommendation_table(recs)]))
    name = " ".join(filter(None, [user.get("first_name"), user.get("last_name")]))
    meta = (f"user {user['user_id']} · {name} · {user.get('gender') or 'gender unknown'} · "
            f"{user.get('location') or 'location unknown'}")
    return page(f"Sparkify: user {user['user_id']}", meta, "".join(body))
