"""The explorer's entry: the pages it offers (carejsna.site), the overview first."""

import streamlit as st

from carejsna import site

site.guard()
st.navigation(site.pages(), position="hidden").run()
