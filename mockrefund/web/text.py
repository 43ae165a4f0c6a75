"""Small text checks shared by the wire layers."""


def is_digits(text: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts '²' and other digits `int` refuses."""
    return text.isascii() and text.isdigit()
