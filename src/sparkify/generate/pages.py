"""The app's pages: method and status of each, and how often a logged-in user picks them."""

from __future__ import annotations

# page: (method, status)
PAGES = {
    "NextSong": ("PUT", 200), "Home": ("GET", 200), "Login": ("PUT", 307),
    "Logout": ("PUT", 307), "Settings": ("GET", 200), "Save Settings": ("PUT", 307),
    "Help": ("GET", 200), "About": ("GET", 200), "Upgrade": ("GET", 200),
    "Submit Upgrade": ("PUT", 307), "Downgrade": ("GET", 200), "Submit Downgrade": ("PUT", 307),
    "Error": ("GET", 404),
}
# Pages a logged-in user picks from, by level; follow-ups (Submit …, Save Settings) and
# Login/Logout are placed by the session logic, not drawn.
BROWSE = {
    "free": (("NextSong", 780), ("Home", 95), ("Upgrade", 45), ("Settings", 14), ("Help", 9),
             ("About", 5), ("Error", 2)),
    "paid": (("NextSong", 862), ("Home", 84), ("Downgrade", 15), ("Settings", 12), ("Help", 9),
             ("About", 4), ("Error", 2)),
}
FOLLOW = {"Upgrade": ("Submit Upgrade", 0.35), "Downgrade": ("Submit Downgrade", 0.06),
          "Settings": ("Save Settings", 0.2)}
# the bytes between "method":" and ,"registration": hold the method and the page
MID = {page: f'{method}","page":"{page}"'.encode() for page, (method, _) in PAGES.items()}
STATUS = {page: status for page, (_, status) in PAGES.items()}


def _page_table(weights: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    """A 1,024-slot lookup table: one random index picks a page with the given weights."""
    total = sum(w for _, w in weights)
    table: list[str] = []
    acc = 0
    for page, weight in weights:
        acc += weight
        table.extend([page] * (round(acc * 1024 / total) - len(table)))
    return tuple(table)


# by level (1 free, 2 paid; 0, not seen yet, never browses): 1,024 pages to draw from
BROWSE_TABLE: tuple[tuple[str, ...], ...] = ((), _page_table(BROWSE["free"]),
                                             _page_table(BROWSE["paid"]))
