"""Loads the demo network: spaces, members, credits, events. Running it twice changes nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from home.demo import load_home_demo
from home.demo_translations import load_translations_demo


class Command(BaseCommand):
    help = "Load the demo network (idempotent) and print the demo logins."

    def handle(self, *args, **options) -> None:
        from credits.demo import load_credits_demo
        from events.demo import load_events_demo
        from events.programme.demo import load_programme_demo
        from events.tasks import notifications_silenced
        from network.demo import DEMO_LOGINS, load_network_demo

        # Demo people are not real sign-ups: nothing they "do" sends them an e-mail.
        with transaction.atomic(), notifications_silenced():
            tree = load_home_demo()
            load_network_demo(tree.spaces, tree.members)
            # Credits first: members need balances before the events demo registers them
            # for paid events (holds), so organisers have people to check in and clearing
            # shows event payments.
            load_credits_demo()
            load_events_demo()
            load_programme_demo()
            # Last: the Italian pages translate the events made above.
            load_translations_demo(tree)
        self.stdout.write(self.style.SUCCESS("Demo network loaded."))
        self.stdout.write("Demo logins (e-mail / password):")
        for role, email, password in DEMO_LOGINS:
            self.stdout.write(f"  {role:<28} {email:<32} {password}")
