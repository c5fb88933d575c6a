"""For operations staff: saved Web UI queries and the ageing report."""
