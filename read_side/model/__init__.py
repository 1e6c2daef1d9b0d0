"""The read model's pure core: the view rows and the fold from events to row changes.

Used alike by the projector, the rebuild, verify and GetPostAt: one fold, not four. No I/O.
"""

from read_side.model.fold import StatsDelta, apply_event, fold_view, stats_delta
from read_side.model.view import PostView, excerpt_of

__all__ = ["PostView", "StatsDelta", "apply_event", "excerpt_of", "fold_view", "stats_delta"]
