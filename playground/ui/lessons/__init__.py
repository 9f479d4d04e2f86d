"""Lessons in the app: the Lessons page, opening a lesson on its page, and the panel beside the page."""
