"""Care leavers: the theme's headline indicators in full, then every other one."""

from carejsna import ui

selection = ui.page(
    "Care leavers",
    "Young people aged 17 to 21 who left care: whether the council is in touch, whether they "
    "are in education, employment or training, and whether their accommodation is suitable.",
)
HEADLINES = (
    "pct_eet_19to21",
    "pct_suitable_accommodation_19to21",
)
for indicator_id in HEADLINES:
    ui.indicator(indicator_id, selection)
ui.theme("care_leavers", selection, shown=HEADLINES)
