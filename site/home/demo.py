"""Demo content of the site pages (home intro, the Espresso format text)."""

from .services import SiteTree, site_tree_ensure


def load_home_demo() -> SiteTree:
    return site_tree_ensure()
