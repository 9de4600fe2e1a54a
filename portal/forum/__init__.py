"""The forum: categories, topics, posts, search and moderation."""
