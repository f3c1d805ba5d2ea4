"""English and Italian ship: the interface follows the visitor's language."""

import re

import pytest
from django.conf import settings as django_settings

from tests.home.conftest import ITALIAN_PO as PO

pytestmark = pytest.mark.django_db


def test_home_page_speaks_italian_with_the_language_cookie(client, site_tree, italian_catalog):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "it"
    response = client.get("/")
    assert response["Location"] == "/it/"  # an address without a language: the visitor's
    html = client.get("/it/").content.decode()
    assert '<html lang="it"' in html
    assert "Prossimi eventi" in html
    assert "Vai al contenuto" in html
    assert ">Spazi</a>" in html
    assert "Next events" not in html


def test_home_page_speaks_italian_to_an_italian_browser(client, site_tree, italian_catalog):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9,en;q=0.5",
                      follow=True).content.decode()
    assert "Prossimi eventi" in html
    assert "Accedi" in html


def test_home_page_stays_english_by_default(client, site_tree, italian_catalog):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE", follow=True).content.decode()
    assert '<html lang="en"' in html
    assert "Next events" in html


def test_language_switch_sets_italian_and_returns_to_the_page(client, site_tree,
                                                              italian_catalog):
    response = client.post("/i18n/setlang/", {"language": "it", "next": "/en/format/"})
    assert response.status_code == 302
    assert response["Location"] == "/it/format/"
    html = client.get("/it/format/").content.decode()
    assert "Il formato aperto" in html
    assert 'aria-pressed="true">IT' in html


def test_italian_catalog_is_complete():
    text = PO.read_text(encoding="utf-8") + "\n"
    untranslated = re.findall(r'^msgid (".*")\n(?:".*"\n)*(?:msgid_plural .*\n(?:".*"\n)*)?'
                              r'msgstr(?:\[\d+\])? ""\n(?!")', text, flags=re.MULTILINE)
    assert [msgid for msgid in untranslated if msgid != '""'] == []
    assert "#, fuzzy" not in text
