"""One package per emulated platform: each translates its wire format to the core and back."""
