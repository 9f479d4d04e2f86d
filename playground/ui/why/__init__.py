"""The "Why deep learning" page: the network against classic machine learning on the same split, learning curves
over the amount of data, and overfitting made visible."""
