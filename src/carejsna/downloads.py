"""A chart's PNG and SVG download buttons, drawn only when clicked (export.py does the work)."""

from __future__ import annotations

import streamlit as st

from carejsna import export
from carejsna.block import Block


def images(shown: Block, context) -> None:
    """PNG (print quality, 16 cm at 300 dpi) and SVG of the print picture, beside the CSV. The
    picture is drawn when a button is pressed, not on every rerun; where no browser can draw it,
    the buttons say so instead."""
    try:
        export.browser()
    except export.NoBrowser as error:
        st.caption(str(error))
        return
    stem = shown.stem(context)
    st.download_button(
        "Download this chart (PNG, 16 cm at 300 dpi)",
        lambda: export.png(shown, context),
        file_name=f"{stem}.png",
        mime="image/png",
        key=f"{shown.item.id}-{shown.view}-png",
        icon=":material/image:",
        on_click="ignore",
    )
    st.download_button(
        "Download this chart (SVG)",
        lambda: export.svg(shown, context),
        file_name=f"{stem}.svg",
        mime="image/svg+xml",
        key=f"{shown.item.id}-{shown.view}-svg",
        icon=":material/draw:",
        on_click="ignore",
    )
