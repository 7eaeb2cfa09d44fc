"""Education: headline figures, any indicator in full, then every one's latest figures."""

from carejsna import themes, ui

selection = ui.page(
    "Education",
    "Attainment at key stages 2 and 4, absence, suspensions and special educational needs of "
    "children looked after continuously for 12 months at 31 March.",
    indicators=True,  # its link may name the indicator shown in full
)
HEADLINES = (
    "pct_ks2_rwm_expected",
    "mean_ks4_attainment8",
)
themes.theme("education", selection, HEADLINES)
