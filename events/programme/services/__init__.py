"""Every state change of an unconference programme.

Guarantees, each in one transaction:
- the phase rules (who may do what in which phase) are checked here, not only in templates;
- a participant never spends more dots than the programme gives (their Ballot row is locked
  with SELECT ... FOR UPDATE while the dots are counted; on SQLite the IMMEDIATE
  transaction serialises writers);
- one session per room and slot (the `programme_one_session_per_cell` constraint) and no
  host in two sessions at once (checked with the programme row locked, so two moves cannot
  both pass the check);
- a session's calendar SEQUENCE grows on every move.

Refusals are the named exceptions of `events.programme.exceptions`.
"""

from .common import *  # noqa: F403
from .grid import *  # noqa: F403
from .outcomes import *  # noqa: F403
from .proposals import *  # noqa: F403
from .schedule import *  # noqa: F403
from .votes import *  # noqa: F403
