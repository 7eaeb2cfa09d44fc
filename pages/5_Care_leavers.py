"""Care leavers: headline figures, any indicator in full, then every one's latest figures."""

from carejsna import themes, ui

selection = ui.page(
    "Care leavers",
    "Young people aged 17 to 21 who left care: whether the council is in touch, whether they "
    "are in education, employment or training, and whether their accommodation is suitable.",
    indicators=True,  # its link may name the indicator shown in full
)
HEADLINES = (
    "pct_eet_19to21",
    "pct_suitable_accommodation_19to21",
)
themes.theme("care_leavers", selection, HEADLINES)
