"""The dashboard at `/__admin/ui/`: pages for people, over the control plane's own logic.

Server-rendered (Jinja2 templates, htmx for the buttons and the live journal, both
shipped in the package): no build step, nothing fetched from the internet. Its buttons
call the functions the control plane's JSON routes call, so they keep the same rules.
"""
