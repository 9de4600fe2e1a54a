"""What happens in the forum, for the features that react to it (notifications...)."""

from blinker import Namespace

_signals = Namespace()

# sender: the new Post; topic, by; category_only: a new topic (only the category's followers).
post_published = _signals.signal("post-published")
# sender: the accepted Post; topic, by.
answer_accepted = _signals.signal("answer-accepted")
# sender: an edited Post; topic, by; user_ids: people the edit mentions for the first time.
mentions_added = _signals.signal("mentions-added")
