"""network.services pinned exactly (issue 14, mutation testing): the rights a space's group
and the coordinators get, a translated space sharing its original's, memberships and the
organiser group, default names and slugs at their limits, the profile's retries and skills,
avatars without orphans."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model
from wagtail.models import Collection, Locale, Page

from network import services
from network.exceptions import InvalidRole
from network.models import MemberProfile, Membership, SpacePage
from network.services import (
    AVATAR_COLLECTION,
    COORDINATOR_COLLECTION_PERMISSIONS,
    COORDINATOR_MODEL_PERMISSIONS,
    COORDINATOR_PAGE_PERMISSIONS,
    coordinators_group_ensure,
    membership_remove,
    membership_set,
    organiser_group_name,
    profile_avatar_remove,
    profile_avatar_set,
    profile_ensure,
    profile_slug_unique,
    space_setup_permissions,
    translation_permission,
)
from tests.network.factories import UserFactory, make_space
from tests.network.test_profile_edit import png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree) -> SpacePage:
    return make_space(site_tree.spaces, "Cowo Lecce")


def page_rights(group, page) -> set[str]:
    return set(group.page_permissions.filter(page=page)
               .values_list("permission__codename", flat=True))


def model_rights(group) -> set[tuple[str, str]]:
    return set(group.permissions.values_list("content_type__app_label", "codename"))


def collection_rights(group, collection) -> set[tuple[str, str]]:
    return set(group.collection_permissions.filter(collection=collection)
               .values_list("permission__content_type__app_label", "permission__codename"))


# the space's group ----------------------------------------------------------------------


def test_the_group_name_names_the_space_and_is_cut_at_150(space):
    assert organiser_group_name(space) == f"Organisers: Cowo Lecce (#{space.pk})"
    space.title = "x" * 200
    assert organiser_group_name(space) == ("Organisers: " + "x" * 200)[:150]


def test_a_new_space_gets_exactly_its_groups_rights(space):
    group = space.organiser_group
    assert group.name == f"Organisers: Cowo Lecce (#{space.pk})"
    assert model_rights(group) == {
        ("simple_translation", "submit_translation"), ("wagtailadmin", "access_admin"),
        ("network", "add_membership"), ("network", "change_membership"),
        ("network", "delete_membership"), ("network", "view_membership")}
    assert page_rights(group, space) == {"add_page", "change_page", "publish_page"}
    assert group.page_permissions.count() == 3
    collection = space.collection
    assert (collection.name, collection.get_parent().pk) == (
        "Cowo Lecce", Collection.get_first_root_node().pk)
    assert collection_rights(group, collection) == {
        ("wagtailimages", "add_image"), ("wagtailimages", "change_image"),
        ("wagtailimages", "choose_image")}
    stored = SpacePage.objects.get(pk=space.pk)
    assert (stored.organiser_group_id, stored.collection_id) == (group.pk, collection.pk)


def test_setting_a_space_up_again_changes_nothing(space):
    group, collection = space.organiser_group, space.collection
    counts = (Group.objects.count(), Collection.objects.count(),
              group.page_permissions.count(), group.collection_permissions.count(),
              group.permissions.count())
    assert space_setup_permissions(space) == group
    assert (space.organiser_group, space.collection) == (group, collection)
    assert (Group.objects.count(), Collection.objects.count(),
            group.page_permissions.count(), group.collection_permissions.count(),
            group.permissions.count()) == counts


def test_a_space_without_group_and_collection_gets_them_set_on_the_object_too(space):
    SpacePage.objects.filter(pk=space.pk).update(organiser_group=None, collection=None)
    old_group = Group.objects.get(name=organiser_group_name(space))
    fresh = SpacePage.objects.get(pk=space.pk)
    group = space_setup_permissions(fresh)
    assert group == old_group  # found again by its name
    assert fresh.organiser_group == group and fresh.collection is not None
    assert fresh.collection.name == "Cowo Lecce"
    stored = SpacePage.objects.get(pk=space.pk)
    assert (stored.organiser_group_id, stored.collection_id) == (group.pk, fresh.collection.pk)


def test_a_long_space_title_names_its_collection_up_to_255(site_tree):
    space = make_space(site_tree.spaces, "y" * 255)
    assert space.collection.name == "y" * 255


def test_a_translated_space_shares_the_originals_group_and_collection(space):
    group, collection = space.organiser_group, space.collection
    groups = Group.objects.count()
    locale, _ = Locale.objects.get_or_create(language_code="it")
    copy = space.copy_for_translation(locale, copy_parents=True)
    copy.save_revision().publish()
    copy = SpacePage.objects.get(pk=copy.pk)
    assert Group.objects.count() == groups
    assert (copy.organiser_group_id, copy.collection_id) == (None, collection.pk)
    assert page_rights(group, copy) == {"add_page", "change_page", "publish_page"}
    assert space_setup_permissions(copy) == group  # again: nothing more
    assert group.page_permissions.count() == 6
    assert copy.collection == collection


def test_a_missing_permission_is_named():
    with pytest.raises(Permission.DoesNotExist) as error:
        services._permissions([("wagtailadmin", "access_admin"), ("network", "fly_membership"),
                               ("nowhere", "x")])
    assert str(error.value) == "no permission network.fly_membership"


def test_permissions_come_in_the_order_asked_in_one_query(django_assert_num_queries):
    wanted = [("network", "view_membership"), ("wagtailadmin", "access_admin"),
              ("network", "add_membership")]
    with django_assert_num_queries(1):
        found = services._permissions(wanted)
    assert [(p.content_type.app_label, p.codename) for p in found] == wanted


def test_the_translate_right_is_made_when_missing_and_found_after():
    Permission.objects.filter(codename="submit_translation").delete()
    ContentType.objects.filter(app_label="simple_translation").delete()
    made = translation_permission()
    assert (made.content_type.app_label, made.content_type.model, made.codename, made.name) == (
        "simple_translation", "simpletranslation", "submit_translation",
        "Can submit translations")
    assert translation_permission() == made
    assert Permission.objects.filter(codename="submit_translation").count() == 1


# the coordinators ----------------------------------------------------------------------


def test_the_coordinators_get_exactly_their_rights():
    group = coordinators_group_ensure()
    root = Page.objects.get(depth=1)
    assert model_rights(group) == {*COORDINATOR_MODEL_PERMISSIONS,
                                   ("simple_translation", "submit_translation")}
    assert page_rights(group, root) == set(COORDINATOR_PAGE_PERMISSIONS)
    assert group.page_permissions.count() == len(COORDINATOR_PAGE_PERMISSIONS)
    assert collection_rights(group, Collection.get_first_root_node()) == set(
        COORDINATOR_COLLECTION_PERMISSIONS)
    assert group.collection_permissions.count() == len(COORDINATOR_COLLECTION_PERMISSIONS)


def test_the_coordinators_rights_come_back_when_removed():
    group = coordinators_group_ensure()
    group.permissions.clear()
    group.page_permissions.all().delete()
    group.collection_permissions.all().delete()
    again = coordinators_group_ensure()
    assert again.pk == group.pk
    assert group.page_permissions.count() == len(COORDINATOR_PAGE_PERMISSIONS)
    assert group.collection_permissions.count() == len(COORDINATOR_COLLECTION_PERMISSIONS)
    assert len(model_rights(group)) == len(COORDINATOR_MODEL_PERMISSIONS) + 1


# memberships ---------------------------------------------------------------------------


def test_an_unknown_role_is_named_and_nothing_changes(space):
    user = UserFactory()
    with pytest.raises(InvalidRole) as error:
        membership_set(user, space, "Organiser")
    assert str(error.value) == "Unknown role “Organiser”."
    assert Membership.objects.count() == 0


@pytest.mark.parametrize("role", ["member", "host"])
def test_a_member_or_host_is_not_in_the_organiser_group(space, role):
    user = UserFactory()
    membership = membership_set(user, space, role)
    assert (membership.role, Membership.objects.get().role) == (role, role)
    assert not user.groups.filter(pk=space.organiser_group_id).exists()


def test_the_default_role_is_member(space):
    user = UserFactory()
    assert membership_set(user, space).role == "member"


def test_a_role_change_is_stored_and_moves_the_group(space):
    user = UserFactory()
    first = membership_set(user, space, "member")
    second = membership_set(user, space, "organiser")
    assert second.pk == first.pk
    assert Membership.objects.get().role == "organiser"
    assert user.groups.filter(pk=space.organiser_group_id).exists()
    membership_set(user, space, "host")
    assert Membership.objects.get().role == "host"
    assert not user.groups.filter(pk=space.organiser_group_id).exists()


def test_the_same_role_twice_writes_nothing(space, django_assert_max_num_queries):
    user = UserFactory()
    membership_set(user, space, "organiser")
    with django_assert_max_num_queries(7):
        membership_set(user, space, "organiser")
    assert Membership.objects.get().role == "organiser"


def test_a_space_that_lost_its_group_gets_it_back_on_a_membership(space):
    SpacePage.objects.filter(pk=space.pk).update(organiser_group=None)
    fresh = SpacePage.objects.get(pk=space.pk)
    user = UserFactory()
    membership_set(user, fresh, "organiser")
    assert fresh.organiser_group_id is not None
    assert user.groups.filter(pk=fresh.organiser_group_id).exists()


def test_removing_only_removes_that_spaces_membership(site_tree, space):
    other = make_space(site_tree.spaces, "Cowo Bari")
    user, neighbour = UserFactory(), UserFactory()
    membership_set(user, space, "organiser")
    membership_set(user, other, "organiser")
    membership_set(neighbour, space, "organiser")
    membership_remove(user, space)
    assert set(Membership.objects.values_list("user_id", "space_id")) == {
        (user.pk, other.pk), (neighbour.pk, space.pk)}
    assert set(user.groups.values_list("pk", flat=True)) == {other.organiser_group_id}
    assert neighbour.groups.filter(pk=space.organiser_group_id).exists()


# default names and slugs ---------------------------------------------------------------


def test_the_default_name_is_the_full_name_cut_at_120():
    user = UserFactory(first_name="  Anna", last_name="B" * 150)
    assert profile_ensure(user).display_name == ("Anna " + "B" * 150)[:120]


def test_without_a_name_the_default_is_the_e_mail_local_part_cut_at_120():
    user = UserFactory(email=" " + "c" * 130 + "@example.org ")
    assert profile_ensure(user).display_name == "c" * 120


def test_without_name_or_address_the_default_is_the_username():
    user = UserFactory(username="u" * 130, email="")
    assert profile_ensure(user).display_name == "u" * 120


def test_without_anything_the_default_is_member():
    user = UserFactory(email="")
    user.username = ""
    assert services._default_display_name(user) == "member"


def test_a_slug_is_cut_at_70_without_a_trailing_dash_and_falls_back_to_member():
    assert profile_slug_unique("a" * 69 + " b") == "a" * 69
    assert profile_slug_unique("日本語") == "member"


def test_taken_slugs_get_the_first_free_number():
    for slug in ("marta", "marta-2", "marta-3", "marta-5", "martina"):
        MemberProfile.objects.create(user=UserFactory(), slug=slug, display_name=slug)
    assert profile_slug_unique("Marta") == "marta-4"
    assert profile_slug_unique("Martina") == "martina-2"
    assert profile_slug_unique("Marti") == "marti"


def test_a_profile_keeps_its_own_slug_when_excluded():
    own = MemberProfile.objects.create(user=UserFactory(), slug="luca", display_name="Luca")
    assert profile_slug_unique("Luca", exclude_pk=own.pk) == "luca"
    assert profile_slug_unique("Luca") == "luca-2"


# profiles ------------------------------------------------------------------------------


def test_unknown_profile_fields_are_named_sorted():
    with pytest.raises(TypeError) as error:
        profile_ensure(UserFactory(), zeta=1, alpha=2, city="Lecce")
    assert str(error.value) == "profile_ensure() got unknown fields: ['alpha', 'zeta']"
    assert MemberProfile.objects.count() == 0


def test_a_lost_race_is_retried_and_the_fifth_loss_raised(monkeypatch):
    user = UserFactory()
    real = services._profile_ensure_once
    calls = []

    def losing(times):
        def attempt(*args):
            calls.append(1)
            if len(calls) <= times:
                raise IntegrityError("duplicate key value violates unique constraint")
            return real(*args)
        return attempt

    monkeypatch.setattr(services, "_profile_ensure_once", losing(4))
    assert profile_ensure(user, city="Lecce").city == "Lecce"
    assert len(calls) == 5
    calls.clear()
    monkeypatch.setattr(services, "_profile_ensure_once", losing(5))
    with pytest.raises(IntegrityError):
        profile_ensure(UserFactory())
    assert len(calls) == 5


def test_an_unchanged_profile_is_not_saved_again():
    user = UserFactory()
    profile = profile_ensure(user, city="Lecce", skills=["Python", "Design"])
    stamp = MemberProfile.objects.get(pk=profile.pk).updated_at
    again = profile_ensure(user, city="Lecce", skills=[" design", "PYTHON ", ""])
    assert MemberProfile.objects.get(pk=profile.pk).updated_at == stamp
    assert sorted(again.skills.names()) == ["Design", "Python"]


def test_skills_are_set_trimmed_without_blanks_and_duplicates():
    user = UserFactory()
    profile = profile_ensure(user, skills=[" Python ", "python", "", "  ", "Design"])
    assert sorted(profile.skills.names(), key=str.lower) in (
        ["Design", "Python"], ["Design", "python"])
    profile = profile_ensure(user, skills=["Design"])
    assert list(profile.skills.names()) == ["Design"]
    stamp = MemberProfile.objects.get(pk=profile.pk).updated_at
    profile_ensure(user, skills=[])
    assert list(MemberProfile.objects.get(pk=profile.pk).skills.names()) == []
    assert MemberProfile.objects.get(pk=profile.pk).updated_at > stamp


def test_a_changed_field_is_saved_and_the_slug_stays():
    user = UserFactory(first_name="Sara", last_name="Neri")
    profile = profile_ensure(user)
    profile = profile_ensure(user, display_name="Sara N.", city="Bari")
    stored = MemberProfile.objects.get(pk=profile.pk)
    assert (stored.slug, stored.display_name, stored.city) == ("sara-neri", "Sara N.", "Bari")


# avatars -------------------------------------------------------------------------------


def test_an_avatar_goes_to_the_shared_collection_and_replaces_the_previous_one():
    user = UserFactory()
    profile = profile_ensure(user, display_name="Z" * 120)
    profile_avatar_set(profile, png_upload("a.png"))
    first = profile.avatar
    assert (first.title, first.uploaded_by_user, first.collection.name) == (
        "Z" * 120, user, AVATAR_COLLECTION)
    assert first.collection.get_parent() == Collection.get_first_root_node()
    profile_avatar_set(profile, png_upload("b.png"))
    second = MemberProfile.objects.get(pk=profile.pk).avatar
    assert second != first and second.collection == first.collection
    assert Collection.objects.filter(name=AVATAR_COLLECTION).count() == 1
    assert list(get_image_model().objects.values_list("pk", flat=True)) == [second.pk]


def test_removing_an_avatar_deletes_its_image_and_twice_is_harmless():
    profile = profile_ensure(UserFactory())
    profile_avatar_set(profile, png_upload())
    assert get_image_model().objects.count() == 1
    assert profile_avatar_remove(profile) is profile
    assert MemberProfile.objects.get(pk=profile.pk).avatar is None
    assert get_image_model().objects.count() == 0
    assert profile_avatar_remove(profile).avatar is None


def test_the_default_name_is_cut_at_the_first_at_sign():
    user = UserFactory(email="anna@casa@example.org")
    assert profile_ensure(user).display_name == "anna"


def test_a_failing_group_update_keeps_the_membership(space, monkeypatch):
    user = UserFactory()
    membership_set(user, space, "organiser")

    def broken(*args):
        raise RuntimeError("group table locked")

    monkeypatch.setattr(services, "_organiser_group_sync", broken)
    with pytest.raises(RuntimeError):
        membership_remove(user, space)
    assert Membership.objects.filter(user=user, space=space).exists()  # rolled back, usable


def test_a_failing_image_delete_keeps_the_previous_avatar(monkeypatch):
    profile = profile_ensure(UserFactory())
    profile_avatar_set(profile, png_upload("a.png"))
    first = profile.avatar
    image_model = get_image_model()

    def broken(self, *args, **kwargs):
        raise OSError("disk")

    monkeypatch.setattr(image_model, "delete", broken)
    with pytest.raises(OSError):
        profile_avatar_set(MemberProfile.objects.get(pk=profile.pk), png_upload("b.png"))
    assert MemberProfile.objects.get(pk=profile.pk).avatar_id == first.pk
    assert list(image_model.objects.values_list("pk", flat=True)) == [first.pk]
    with pytest.raises(OSError):
        profile_avatar_remove(MemberProfile.objects.get(pk=profile.pk))
    assert MemberProfile.objects.get(pk=profile.pk).avatar_id == first.pk


def test_setting_or_removing_an_avatar_writes_only_the_avatar():
    profile = profile_ensure(UserFactory(), city="Lecce")
    MemberProfile.objects.filter(pk=profile.pk).update(city="Bari")  # another request
    profile_avatar_set(profile, png_upload())
    assert MemberProfile.objects.get(pk=profile.pk).city == "Bari"
    MemberProfile.objects.filter(pk=profile.pk).update(city="Taranto")
    profile_avatar_remove(profile)
    stored = MemberProfile.objects.get(pk=profile.pk)
    assert (stored.city, stored.avatar_id) == ("Taranto", None)


def test_the_coordinators_are_built_with_the_migrations_own_models():
    """The data migration passes its historical registry: every model, the permissions
    included, must come from it (an instance of today's Permission is refused there)."""
    historical = MigrationLoader(connection).project_state().apps
    group = services.coordinators_group_build(historical)
    assert type(group) is historical.get_model("auth", "Group")
    assert group.permissions.count() == len(COORDINATOR_MODEL_PERMISSIONS) + 1


def test_after_a_taken_slug_and_its_2_comes_3():
    for slug in ("paolo", "paolo-2"):
        MemberProfile.objects.create(user=UserFactory(), slug=slug, display_name=slug)
    assert profile_slug_unique("Paolo") == "paolo-3"


def test_a_profile_with_an_old_slug_the_rules_now_refuse_can_still_be_edited():
    profile = profile_ensure(UserFactory())
    MemberProfile.objects.filter(pk=profile.pk).update(slug="vecchio_indirizzo!")
    edited = profile_ensure(profile.user, city="Lecce")
    stored = MemberProfile.objects.get(pk=edited.pk)
    assert (stored.slug, stored.city) == ("vecchio_indirizzo!", "Lecce")


def test_the_same_role_again_updates_no_row(space):
    user = UserFactory()
    membership_set(user, space, "host")
    with CaptureQueriesContext(connection) as queries:
        membership_set(user, space, "host")
    assert [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")] == []


def test_a_failing_collection_leaves_the_space_without_a_half_made_group(space, monkeypatch):
    SpacePage.objects.filter(pk=space.pk).update(organiser_group=None, collection=None)
    group = Group.objects.get(name=organiser_group_name(space))
    group.permissions.clear()
    group.page_permissions.all().delete()

    def broken(self, **kwargs):
        raise RuntimeError("tree locked")

    monkeypatch.setattr(Collection, "add_child", broken)
    with pytest.raises(RuntimeError):
        space_setup_permissions(SpacePage.objects.get(pk=space.pk))
    assert (group.permissions.count(), group.page_permissions.count()) == (0, 0)


def test_setting_a_space_up_again_brings_its_rights_back(space):
    group = space.organiser_group
    group.permissions.clear()
    group.collection_permissions.all().delete()
    assert space_setup_permissions(SpacePage.objects.get(pk=space.pk)) == group
    assert len(model_rights(group)) == 6
    assert len(collection_rights(group, space.collection)) == 3


def test_a_renamed_space_keeps_its_group(space):
    group = space.organiser_group
    space.title = "Cowo Lecce Centro"
    space.save_revision().publish()
    fresh = SpacePage.objects.get(pk=space.pk)
    assert space_setup_permissions(fresh) == group
    assert fresh.organiser_group_id == group.pk
    assert not Group.objects.filter(name=organiser_group_name(fresh)).exists()


def test_a_translated_space_is_set_up_in_a_fixed_number_of_queries(
        space, django_assert_num_queries):
    locale, _ = Locale.objects.get_or_create(language_code="it")
    copy = space.copy_for_translation(locale, copy_parents=True)
    copy.save_revision().publish()
    copy = SpacePage.objects.get(pk=copy.pk)
    # the savepoint, the original with its group and collection, the permissions, the 3
    # page rights (a read each: they exist), the update, the release
    with django_assert_num_queries(8):
        space_setup_permissions(copy)


def test_skills_compared_without_case_in_any_order_are_unchanged():
    user = UserFactory()
    profile_ensure(user, skills=["apple", "Zebra"])  # "Zebra" < "apple" with case, > without
    stamp = MemberProfile.objects.get(user=user).updated_at
    profile_ensure(user, skills=["Zebra", "apple"])
    assert MemberProfile.objects.get(user=user).updated_at == stamp


def test_a_translated_space_without_its_collection_gets_the_originals_stored(space):
    locale, _ = Locale.objects.get_or_create(language_code="it")
    copy = space.copy_for_translation(locale, copy_parents=True)
    copy.save_revision().publish()
    SpacePage.objects.filter(pk=copy.pk).update(collection=None)
    space_setup_permissions(SpacePage.objects.get(pk=copy.pk))
    assert SpacePage.objects.get(pk=copy.pk).collection_id == space.collection_id
    assert SpacePage.objects.get(pk=space.pk).collection_id == space.collection_id
