"""Private calendar feeds: a user's deadlines and events in their own calendar (ICS URL)."""
