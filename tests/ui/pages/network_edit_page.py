"""The 2D page's network controls and its network view's +/- edits, without the rest of the page: buttons stand
in for the view's +/- clicks (the view sends them to ``on_network_edit``), for the AppTest of what happens when the
browser's next rerun still carries the sliders' old values."""

import streamlit as st

from playground.i18n import translator
from playground.presets import load_preset
from playground.ui.playground_2d import controls
from playground.ui.playground_2d.network import on_network_edit

t = translator("en")
if controls.KEY + "seeded" not in st.session_state:
    controls.seed_widgets(load_preset("circle"))  # 4-2 tanh
    st.session_state[controls.KEY + "seeded"] = True
controls.network_panel(t)
for action in ("add_neuron", "remove_neuron"):
    st.button(action, key=action, on_click=on_network_edit, args=({"action": action, "column": 1},))
st.text(f"hidden: {[layer['units'] for layer in controls.simple_layers()[:-1]]}")
