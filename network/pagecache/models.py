from django.db import models


class ContentVersion(models.Model):
    """The one row (id 1) whose `value` changes, in the same transaction, whenever a table
    that public pages show changes (database triggers, see network.pagecache.triggers).

    The value is never reused, even after a rolled-back change (a PostgreSQL sequence, or a
    random 63-bit number on SQLite), so a page rendered inside a transaction that rolls back
    cannot be served later under a version that another change produces.
    """

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "content version"

    def __str__(self) -> str:
        return str(self.value)
