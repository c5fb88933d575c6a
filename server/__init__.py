"""Server-side processes and commands: the API server, `make up`, and the admin commands that run on the server
host with its local credentials."""
