"""The one exception type the command line turns into a one-line message and an exit code."""

from __future__ import annotations

from collections.abc import Callable


class SparkifyError(Exception):
    """An error the user can act on: the message names the cause and the fix."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class OptionError(SparkifyError):
    """A bad option value. The message is a template over option names ("{days} must be …"):
    the library names the parameter (`days`), the command line its flag (`--days`).

    `spelled` gives an option's library spelling where its bare name reads badly
    (force="force=True").
    """

    def __init__(self, template: str, *options: str, exit_code: int = 2,
                 **spelled: str) -> None:
        self.template = template
        self.options = (*options, *spelled)
        super().__init__(self.phrase(lambda option: spelled.get(option, option)), exit_code)

    def phrase(self, name: Callable[[str], str]) -> str:
        """The message with each option written as `name(option)`."""
        text = self.template
        for option in self.options:
            text = text.replace("{" + option + "}", name(option))
        return text
