"""The 2D playground page: TensorFlow Playground's controls, the network view, a user's own points and the page
that puts them together (``page.render``)."""
