"""The periodic sync of every active calendar subscription (see `manage.py
enqueue_periodic_tasks` and settings.PERIODIC_TASKS)."""

from django_tasks import task

from .models import CalendarSubscription
from .services import subscription_sync, subscriptions_sync_all


@task()
def subscriptions_sync_periodic() -> dict[str, int]:
    """Sync every active subscription, one transaction each; a refused feed is recorded on
    its subscription and stops no other. Returns {"synced": n, "refused": m}."""
    reports = subscriptions_sync_all()
    refused = sum(1 for report in reports.values() if not report.ok)
    return {"synced": len(reports) - refused, "refused": refused}


@task()
def subscription_sync_now(subscription_pk: int) -> bool:
    """Sync one subscription (the admin's "sync now"). Returns whether it succeeded; False
    also when the subscription is gone."""
    subscription = (CalendarSubscription.objects.select_related("space")
                    .filter(pk=subscription_pk).first())
    if subscription is None:
        return False
    return subscription_sync(subscription).ok
