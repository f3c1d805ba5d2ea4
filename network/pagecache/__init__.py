"""Anonymous full-page caching keyed by a content version kept in the database.

See `network.pagecache.middleware` for what is cached and for whom, and
`network.pagecache.triggers` for how every change bumps the version in its own transaction.
"""
