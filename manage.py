#!/usr/bin/env python
"""Django's command-line utility for Espresso."""

import os
import sys
from pathlib import Path

# `site/` holds the project packages (espresso, home) but is not itself a
# package: it must not shadow the standard library's `site` module.
sys.path.insert(0, str(Path(__file__).resolve().parent / "site"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "espresso.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
