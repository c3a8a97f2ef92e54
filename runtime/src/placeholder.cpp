// Replaced by the event loop sources.
