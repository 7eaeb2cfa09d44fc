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
    for kind, label, draw, mime, icon in (
        ("png", "PNG, 16 cm at 300 dpi", export.png, "image/png", ":material/image:"),
        ("svg", "SVG", export.svg, "image/svg+xml", ":material/draw:"),
    ):
        st.download_button(
            f"Download this chart ({label})",
            lambda draw=draw: draw(shown, context),  # drawn only when pressed
            file_name=f"{stem}.{kind}",
            mime=mime,
            key=f"{shown.item.id}-{shown.view}-{kind}",
            icon=icon,
            on_click="ignore",
        )
