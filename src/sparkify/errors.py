"""The one exception type the command line turns into a one-line message and an exit code."""


class SparkifyError(Exception):
    """An error the user can act on: the message names the cause and the fix."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
