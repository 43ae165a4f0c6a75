"""The per-sandbox controls that every server shares: journal, faults, rate limits, nonces.

Each operation is one atomic statement or one short transaction on rows keyed by sandbox
(forced outcomes and the clock live with the sandbox's data, in `core`). Like `core`,
nothing here knows HTTP: the control plane and the traffic middleware call it.
"""
