"""Where the app keeps its settings, history, audit and secrets."""
