"""The convolutions page: image sets or a user's images under a free layer stack, with filters, feature maps,
mistakes and a drawing pad (``page.render``)."""
