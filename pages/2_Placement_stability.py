"""Placement stability: the theme's headline indicators in full, then every other one."""

from carejsna import ui

selection = ui.page(
    "Placement stability",
    "How often children in care move, and how many have been settled in one placement for the "
    "long term; placement moves and their reasons.",
)
HEADLINES = (
    "pct_3plus_placements",
    "pct_long_term_stability",
)
for indicator_id in HEADLINES:
    ui.indicator(indicator_id, selection)
ui.theme("placement_stability", selection, shown=HEADLINES)
