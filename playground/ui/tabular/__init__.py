"""The tables page: the seed article's task, classic tables or a user's CSV under a free layer stack
(``page.render``)."""
