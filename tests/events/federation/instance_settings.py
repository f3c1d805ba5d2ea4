"""Settings of the second Espresso instance (A) that tests/events/federation/
test_two_instances.py runs as a server of its own: the test settings with its own SQLite
file (DATABASE_URL) and its own public address (ESPRESSO_INSTANCE_URL)."""

import os

from espresso.settings.test import *  # noqa: F403

SITE_URL = os.environ["ESPRESSO_INSTANCE_URL"]
WAGTAILADMIN_BASE_URL = SITE_URL
