"""Drills: scenario and action files, metric patterns, scoring. Plain Python, no Qt, no ORM."""
