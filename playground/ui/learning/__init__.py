"""The "How it learns" page: one training step slowed down, and gradient descent on a surface you can see."""
