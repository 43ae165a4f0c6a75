"""The control plane under `/__admin`: sandboxes, clocks, orders, outcomes, faults, journal.

`admin.routes.install(app)` mounts it; the other modules hold its parts.
"""
