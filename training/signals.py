"""Signals by which lower layers tell higher ones what happened, without importing them."""

from blinker import Namespace

_signals = Namespace()

#: Sent with (user_id, course_id) after a learner's progress in a course changed
#: (a lesson done; later a quiz passed). Certificates listen and issue on completion.
progress_changed = _signals.signal("progress-changed")
