"""The benchmark's baseline: a bare Streamlit page, a district filter and one Plotly chart."""

import pandas as pd
import plotly.express as px
import streamlit as st

DISTRICTS = [f"Area {n:02}" for n in range(1, 31)]
YEARS = list(range(2015, 2025))

st.title("Bare page")
chosen = st.sidebar.multiselect("District", DISTRICTS, placeholder="All districts", key="district")
areas = chosen or ["All"]
frame = pd.DataFrame(
    [
        {"area": area, "year": year, "value": 40 + sum(map(ord, area)) % 20 + year % 7}
        for area in areas
        for year in YEARS
    ]
)
st.plotly_chart(px.line(frame, x="year", y="value", color="area"), key="chart")
