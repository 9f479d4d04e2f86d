"""Home: what the playground is and what each page teaches."""

import streamlit as st

from playground.ui.common import language_picker

t = language_picker()
st.title(t("app_title"))
st.write(t("home_intro"))

with st.container(border=True):
    st.subheader(t("home_2d_title"))
    st.write(t("home_2d_text"))
    st.page_link("pages/playground_2d.py", label=t("home_2d_link"), icon=":material/scatter_plot:")

with st.container(border=True):
    st.subheader(t("home_tabular_title"))
    st.write(t("home_tabular_text"))
    st.page_link("pages/tabular.py", label=t("home_tabular_link"), icon=":material/table_chart:")

with st.container(border=True):
    st.subheader(t("home_cnn_title"))
    st.write(t("home_cnn_text"))
    st.page_link("pages/convolutions.py", label=t("home_cnn_link"), icon=":material/grid_on:")

with st.container(border=True):
    st.subheader(t("home_seq_title"))
    st.write(t("home_seq_text"))
    st.page_link("pages/sequences.py", label=t("home_seq_link"), icon=":material/timeline:")

st.subheader(t("home_training_title"))
st.write(t("home_training_text"))
st.subheader(t("home_cli_title"))
st.markdown(t("home_cli_text"))
