"""The HTTP API: parses, authenticates, calls one service and renders JSON."""
