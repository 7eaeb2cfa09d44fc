"""The explorer's entry: the pages it offers (carejsna.site), the overview first."""

import streamlit as st

from carejsna import site

# The tab's icon from our own server: a page's Material icon as the favicon is fetched from
# Google's font server, and a hosted explorer makes no request to anyone but itself.
st.set_page_config(page_icon=site.FAVICON)
site.guard()
site.resumed()
st.navigation(site.routes(), position="hidden").run()
