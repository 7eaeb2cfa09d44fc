"""Placement stability: headline figures, any indicator in full, then every one's latest figures."""

from carejsna import themes, ui

selection = ui.page(
    "Placement stability",
    "How often children in care move, and how many have been settled in one placement for the "
    "long term; placement moves and their reasons.",
    indicators=True,  # its link may name the indicator shown in full
)
HEADLINES = (
    "pct_3plus_placements",
    "pct_long_term_stability",
)
themes.theme("placement_stability", selection, HEADLINES)
