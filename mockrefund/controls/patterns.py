"""Regular expressions that callers give (fault rules, journal filters), matched in time
linear in the text.

Python's `re` backtracks: `(a+)+$` against a path of 30 characters takes minutes, and
every request of every sandbox would wait for it. RE2 never backtracks; it refuses the
few constructs that would need to (back-references, look-around) with a clear error.
"""

from typing import Any, Protocol

import re2

# Longer patterns are refused: a pattern is compiled into a program whose size grows
# with it, and each request is matched against every rule of its sandbox.
MAX_LENGTH = 1_000

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is the caller's error, said to the caller


class Pattern(Protocol):
    def search(self, text: str) -> Any: ...


class PatternError(ValueError):
    pass


def compile_pattern(text: str) -> Pattern:
    """The compiled pattern; PatternError says why a pattern cannot be used."""
    if len(text) > MAX_LENGTH:
        raise PatternError(f"longer than {MAX_LENGTH} characters")
    try:
        pattern: Pattern = re2.compile(text, options=_OPTIONS)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(
            f"not a regular expression this server takes: {reason} (RE2 syntax: no "
            "back-references or look-around)"
        ) from None
    return pattern
