"""Reading, validating and building SSDA903 returns."""
