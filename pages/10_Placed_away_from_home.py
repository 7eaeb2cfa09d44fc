"""Children placed away from home: how they are doing against those placed near home."""

import streamlit as st

from carejsna import block, catalogue, charts, overview, stats, themes, ui
from carejsna import indicators as ind

selection = ui.page(
    "Children placed away from home",
    "Children placed outside the council's area, or more than 20 miles from home, against those "
    "placed inside it and near home: their health checks, emotional wellbeing (SDQ), school "
    "attendance and suspensions, placement stability and, once they have left care, their "
    "education, work and accommodation. Children whose placement or home postcode is not known "
    "are a group of their own, never counted as near.",
    indicators=True,  # its link may name the indicator shown in full
)
data = ui.context()
_, area = selection.area(data)
items = [i for i in catalogue.catalogue().values() if i.theme == "placed_away"]
names = {i.id: catalogue.get(i.groups_of).short_title for i in items}
differences = ui.placed_away(selection)

st.header("Placed away against placed near")
sentence = overview.placed_away_sentence(
    differences, catalogue.catalogue(), area, selection.age_bands
)
st.markdown(sentence)
ages = " ".join(selection.age_bands)
leavers = stats.listed(sorted({i.ages for i in items if i.ages}))  # their own ages: "19 to 21"
stem = block.file_name(f"placed_away_{area}_{ages}_{selection.year_to}")
where = (
    f"{ind.area_words(selection, data)}, "
    f"{ind.aged(selection.age_bands) if selection.age_bands else 'all ages'}"
    f"{f' (care leavers: {leavers})' if selection.age_bands else ''}; "
    f"year ending 31 March {selection.year_to}."
)
st.plotly_chart(
    charts.placed_away(differences, names, data.source_note, selection.level, where),
    width="stretch",
    key="placed-away-chart",
    config=charts.config(stem),
    theme=None,
    alt=f"Bar chart of children placed away from home beside those placed near, each "
    f"percentage with its confidence interval, {area}, year ending 31 March "
    f"{selection.year_to}. {sentence}",
)
table = ind.difference_table(differences, names, data, selection.level).drop(columns="source")
st.dataframe(table, hide_index=True, key="placed-away-table", column_config=ui.wide(table))
if selection.age_bands:
    st.caption(
        "Care leavers' measures do not follow the age band filter: they are for care leavers "
        f"aged {leavers}."
    )
csv = ind.difference_csv(differences, names, data, selection)
st.download_button(
    f"Download this table (CSV, {stats.rows_text(len(csv))})",
    csv.to_csv(index=False).encode(),
    file_name=f"{stem}.csv",
    mime="text/csv",
    key="placed-away-csv",
    icon=":material/download:",
)
themes.theme("placed_away", selection, ())
