"""Meetings and forums SEGES convenes (metas 1.7, 3.4), attendance, and its requests."""
