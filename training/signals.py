"""Signals by which lower layers tell higher ones what happened, without importing them."""

from blinker import Namespace

_signals = Namespace()

#: Sent with (user_id, course_id) after a learner's progress in a course changed
#: (a lesson done; later a quiz passed). Certificates listen and issue on completion.
progress_changed = _signals.signal("progress-changed")

#: Sent with (event) when a learning event is added to the session, in the same transaction.
#: Statistics listen and keep their counters in step with the log.
event_recorded = _signals.signal("event-recorded")
