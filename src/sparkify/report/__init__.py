"""Analytics report: views -> one data dict (data.py) -> terminal, HTML or JSON.

    data = collect(settings)            # every figure, JSON-ready
    html.render(data)                   # one self-contained HTML page
    terminal.render(data, console)      # rich tables
"""

from sparkify.report.data import QUESTIONS, collect, collect_user, collect_user_with, collect_with

__all__ = ["QUESTIONS", "collect", "collect_user", "collect_user_with", "collect_with"]
