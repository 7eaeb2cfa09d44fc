"""Health and wellbeing: the theme's headline indicators in full, then every other one."""

from carejsna import ui

selection = ui.page(
    "Health and wellbeing",
    "Health checks, immunisations, emotional wellbeing (SDQ scores), substance misuse and "
    "offending of children looked after continuously for 12 months at 31 March (the cohort DfE "
    "reports on).",
)
HEADLINES = (
    "pct_health_assessment",
    "pct_dental_check",
)
for indicator_id in HEADLINES:
    ui.indicator(indicator_id, selection)
ui.theme("health", selection, shown=HEADLINES)
