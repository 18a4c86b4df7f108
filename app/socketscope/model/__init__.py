"""View models: what the window shows, computed from the trace and a cursor. No Qt here."""
