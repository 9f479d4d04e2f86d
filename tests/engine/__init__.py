"""Tests of the engine: data, layers, configs, training, probes, exports, the command line; no Streamlit."""
