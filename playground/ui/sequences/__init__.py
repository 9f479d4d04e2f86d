"""The sequences page: pick sequences, a series or a text (or upload a CSV time series), stack recurrent layers,
train live, and watch the network remember. ``page.render`` draws it; ``choices`` holds what needs no widgets."""
