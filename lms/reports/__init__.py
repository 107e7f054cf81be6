"""Dinas dashboard: completion by region, exports and the read API."""
