"""Health and wellbeing: headline figures, any indicator in full, every one's latest figures."""

from carejsna import themes, ui

selection = ui.page(
    "Health and wellbeing",
    "Health checks, immunisations, emotional wellbeing (SDQ scores), substance misuse and "
    "offending of children looked after continuously for 12 months at 31 March (the cohort DfE "
    "reports on).",
    indicators=True,  # its link may name the indicator shown in full
)
HEADLINES = (
    "pct_health_assessment",
    "pct_dental_check",
)
themes.theme("health", selection, HEADLINES)
