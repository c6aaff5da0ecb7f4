"""Windows, widgets and view-models. No protocol logic lives here."""
