"""Pure functions from data and snapshots to pictures; no Streamlit here."""
