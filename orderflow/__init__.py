"""orderflow: shared plumbing (settings, message models, clients, CLI) around domain/, workflows/ and activities/."""
