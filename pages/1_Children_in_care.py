"""Children in care: how many, at what rate, who started and who left, then who they are."""

from carejsna import themes, ui

selection = ui.page(
    "Children in care",
    "How many children the council looks after at 31 March each year, the rate per 10,000 "
    "children, and how many start and stop being looked after during the year; then, one at a "
    "time in full, who they are, where they are placed and why care ended. Use the filters to "
    "pick districts, age bands and years; every chart has its table and a CSV download.",
    indicators=True,  # its link may name the indicator shown in full
)
HEADLINES = ("cla_at_31_march", "cla_rate_per_10k", "cla_started", "cla_ceased")
themes.theme("children_in_care", selection, HEADLINES)
