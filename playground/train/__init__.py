"""Training: the in-process Trainer and the worker process that runs it for the pages."""
