"""The domain shared by every platform: orders, refunds, their rules and lifecycle.

Nothing here knows about HTTP or about any platform's JSON; platform packages translate.
"""
