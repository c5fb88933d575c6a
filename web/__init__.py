"""The web desk: server-rendered pages for the people of the process, in Chinese by default, on the API's app.

Each page parses its request, calls the same services the API calls, and renders a template; the session is an
API token kept server-side and carried in an HttpOnly cookie (web/session.py)."""
