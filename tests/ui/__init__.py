"""Tests of the pages and their pieces without a browser: Streamlit's AppTest, and the ui modules' own logic."""
